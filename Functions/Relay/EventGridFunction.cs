using FunctionsDashboard.Relay;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;

namespace FunctionsDashboard.Functions.Relay;

/// <summary>
/// <c>POST /api/eventgrid</c> and <c>OPTIONS /api/eventgrid</c>: the Event Grid webhook (EventGridSchema and CloudEvents 1.0,
/// single events and batches, both validation handshakes). Acknowledges only after a durable write; see
/// <see cref="EventGridWebhook"/>.
/// </summary>
public sealed class EventGridFunction(EventGridWebhook webhook)
{
    /// <summary>The function name (app settings such as <c>AzureWebJobs.EventGrid.Disabled</c> use it).</summary>
    public const string Name = "EventGrid";

    /// <summary>200 once the events are durable (or the handshake is answered); problem+json otherwise.</summary>
    [Function(Name)]
    public async Task<Results<Ok<EventGridAck>, Ok<SubscriptionValidationReply>, Ok, ProblemHttpResult>> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", "options", Route = "eventgrid")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        string?[] secrets = [request.Query[WebhookSecret.QueryName].FirstOrDefault(), request.Headers[WebhookSecret.HeaderName].FirstOrDefault()];
        var outcome = HttpMethods.IsOptions(request.Method)
            ? webhook.Options(secrets, request.Headers[EventGridWebhook.RequestOriginHeader], request.Headers[EventGridWebhook.RequestRateHeader])
            : await webhook.PostAsync(
                new WebhookRequest(request.ContentType, request.ContentLength, request.Headers[EventGridWebhook.EventTypeHeader], secrets, request.Body),
                cancellationToken);

        var response = request.HttpContext.Response;
        switch (outcome)
        {
            case WebhookOutcome.Acknowledged acknowledged:
                return TypedResults.Ok(acknowledged.Ack);
            case WebhookOutcome.ValidationAnswered validated:
                return TypedResults.Ok(validated.Reply);
            case WebhookOutcome.AbuseProtectionGranted granted:
                response.Headers[EventGridWebhook.AllowedOriginHeader] = granted.AllowedOrigin;
                response.Headers[EventGridWebhook.AllowedRateHeader] = granted.AllowedRate;
                response.Headers.Allow = "POST";
                return TypedResults.Ok();
            case WebhookOutcome.Refused refused:
                if (refused.RetryAfter is { } retryAfter)
                {
                    response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                return TypedResults.Problem(type: refused.Type, title: refused.Title, detail: refused.Detail, statusCode: refused.StatusCode);
            default:
                throw new InvalidOperationException($"Unknown webhook outcome {outcome.GetType().Name}.");
        }
    }
}
