using FunctionsDashboard.Connections;
using FunctionsDashboard.Functions.Hosting;
using FunctionsDashboard.SignalR;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Functions.Connections;

/// <summary>
/// <c>POST /api/negotiate</c>: hands a dashboard its SignalR Service connection <c>{url, accessToken, sseUrl}</c>, so
/// <c>new HubConnectionBuilder().withUrl(base + "/api")</c> just works. 503 + Retry-After until the app is ready.
/// <c>OPTIONS</c> answers the CORS preflight from the allow-list.
/// </summary>
public sealed class NegotiateFunction(Negotiator negotiator, IOptions<SignalROptions> options, IConfiguration configuration)
{
    /// <summary>App Service authentication's principal id header (trusted only when that feature is on: it strips forged ones).</summary>
    public const string PrincipalIdHeader = "X-MS-CLIENT-PRINCIPAL-ID";

    /// <summary>Negotiates, or answers the preflight.</summary>
    [Function("Negotiate")]
    public Results<Ok<NegotiateResponse>, NoContent, ProblemHttpResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", "options", Route = "negotiate")] HttpRequest request)
    {
        var response = request.HttpContext.Response;
        var cors = CorsPolicy.Evaluate(request.Headers.Origin.FirstOrDefault(), request.OwnOrigin(), options.Value.AllowedOrigins);
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

        var principal = AppServiceAuthenticationEnabled ? request.Headers[PrincipalIdHeader].FirstOrDefault() : null;
        var outcome = negotiator.Negotiate(principal, request.SiblingUrl("events"));
        return outcome switch
        {
            { Response: { } body } => TypedResults.Ok(body),
            { Status: StatusCodes.Status503ServiceUnavailable } => Problems.NotReady(response, outcome.Reason!, outcome.RetryAfter ?? Negotiator.NotReadyRetryAfter),
            _ => TypedResults.Problem(statusCode: outcome.Status, title: "Cannot negotiate", detail: outcome.Reason),
        };
    }

    private bool AppServiceAuthenticationEnabled =>
        string.Equals(configuration["WEBSITE_AUTH_ENABLED"], "True", StringComparison.OrdinalIgnoreCase);
}
