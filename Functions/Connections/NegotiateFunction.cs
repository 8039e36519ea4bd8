using FunctionsDashboard.Access;
using FunctionsDashboard.Connections;
using FunctionsDashboard.Diagnostics;
using FunctionsDashboard.Functions.Access;
using FunctionsDashboard.Health;
using FunctionsDashboard.Functions.Hosting;
using FunctionsDashboard.SignalR;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Functions.Connections;

/// <summary>
/// <c>POST /api/negotiate</c>: hands a dashboard its SignalR Service connection <c>{url, accessToken, sseUrl}</c>, so
/// <c>new HubConnectionBuilder().withUrl(base + "/api")</c> just works. 503 + Retry-After until the app is ready.
/// <c>OPTIONS</c> answers the CORS preflight from the allow-list. The access rule decides who may connect and what it
/// reads: the connection's group is its subscription (<c>?stream=</c> on the hub URL ∩ what the caller may read), and
/// the answer carries a short-lived stream token for <c>EventSource</c> (also set as an HttpOnly cookie).
/// </summary>
public sealed class NegotiateFunction(
    Negotiator negotiator,
    IOptions<SignalROptions> options,
    IOptions<AccessOptions> accessOptions,
    Readiness readiness,
    StreamAccess access,
    StreamTokens streamTokens,
    SubscriptionGroups groups,
    DiagnosticsActivity? diagnostics = null)
{
    /// <summary>The function name (app settings such as <c>AzureWebJobs.Negotiate.Disabled</c> use it).</summary>
    public const string Name = "Negotiate";

    /// <summary>Negotiates, or answers the preflight.</summary>
    [Function(Name)]
    public async Task<Results<Ok<NegotiateResponse>, NoContent, ProblemHttpResult>> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", "options", Route = "negotiate")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var response = request.HttpContext.Response;
        var origin = AccessHttp.First(request.Headers.Origin);
        var cors = string.IsNullOrEmpty(origin) ? CorsPolicy.NoOrigin : CorsPolicy.Evaluate(origin, request.OwnOrigin(), options.Value.AllowedOrigins);
        if (!cors.Allowed)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Origin not allowed",
                detail: "This origin is not in SignalR:AllowedOrigins.");
        }

        if (cors.AllowOrigin is not null)
        {
            response.Headers.AccessControlAllowOrigin = cors.AllowOrigin;
            response.Headers.Vary = "Origin";
            if (cors.AllowCredentials)
            {
                response.Headers.AccessControlAllowCredentials = "true";
            }
        }

        if (HttpMethods.IsOptions(request.Method))
        {
            response.Headers.AccessControlAllowMethods = "POST, OPTIONS";
            response.Headers.AccessControlAllowHeaders = CorsPolicy.AllowHeaders(request.Headers.AccessControlRequestHeaders.ToString());
            response.Headers.AccessControlMaxAge = "600";
            return TypedResults.NoContent();
        }

        if (!readiness.IsReady)
        {
            return Problems.NotReady(response, $"The app is starting ({readiness.Reason}); try again shortly.", Negotiator.NotReadyRetryAfter);
        }

        var decision = await access.DecideAsync(request.Credentials(), cancellationToken);
        if (!decision.Allowed)
        {
            return AccessHttp.Refusal(response, decision);
        }

        var (requested, problem) = StreamSelection.Parse(request.Query["stream"], accessOptions.Value.MaxStreamsPerRequest);
        if (requested is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad stream list", detail: problem);
        }

        var subscription = requested.Intersect(decision.Readable);
        if (subscription.IsEmpty)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "No readable stream", detail: "None of the requested streams is one you may read.");
        }

        var group = await groups.EnsureAsync(subscription, cancellationToken);
        var sseUrl = request.SiblingUrl("events");
        var sseToken = streamTokens.Mint(decision.Identity, decision.Readable);
        var outcome = negotiator.Negotiate(decision.Identity.UserId, sseUrl, [new KeyValuePair<string, string>(SubscriptionGroups.GroupClaim, group)], allowAnonymous: true, sseToken);
        if (outcome.Response is not null)
        {
            diagnostics?.Negotiated(); // self-check: a connected upstream event should follow
            AccessHttp.AppendStreamTokenCookie(response, sseToken, sseUrl, request.IsHttps, accessOptions.Value.StreamTokenLifetime);
        }

        return outcome switch
        {
            { Response: { } body } => TypedResults.Ok(body),
            { Status: StatusCodes.Status503ServiceUnavailable } => Problems.NotReady(response, outcome.Reason!, outcome.RetryAfter ?? Negotiator.NotReadyRetryAfter),
            _ => TypedResults.Problem(statusCode: outcome.Status, title: "Cannot negotiate", detail: outcome.Reason),
        };
    }
}
