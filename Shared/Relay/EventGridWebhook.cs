using FunctionsDashboard.Diagnostics;
using FunctionsDashboard.Health;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Relay;

/// <summary>
/// The logic of <c>POST|OPTIONS /api/eventgrid</c>: secret check, both subscription handshakes, size limit, parsing of
/// both schemas, and the durable append. The status codes follow Event Grid's retry rules: 400/401/413 are never retried
/// by Event Grid (they go to its dead-letter at once), so they are only for input that can never succeed; anything
/// transient (storage down or slow, app not ready) is a 503 with <c>Retry-After</c>.
/// </summary>
public sealed class EventGridWebhook(
    RelayEventLog eventLog,
    Readiness readiness,
    RelayStats stats,
    IOptions<RelayOptions> options,
    ILogger<EventGridWebhook> logger,
    DiagnosticsActivity? diagnostics = null)
{
    /// <summary>The header Event Grid sets to <c>Notification</c> or <c>SubscriptionValidation</c>.</summary>
    public const string EventTypeHeader = "aeg-event-type";

    /// <summary>CloudEvents abuse protection: the origin asking to deliver.</summary>
    public const string RequestOriginHeader = "WebHook-Request-Origin";

    /// <summary>CloudEvents abuse protection: the rate the origin asks for.</summary>
    public const string RequestRateHeader = "WebHook-Request-Rate";

    /// <summary>CloudEvents abuse protection: the origin the webhook grants.</summary>
    public const string AllowedOriginHeader = "WebHook-Allowed-Origin";

    /// <summary>CloudEvents abuse protection: the rate the webhook grants.</summary>
    public const string AllowedRateHeader = "WebHook-Allowed-Rate";

    /// <summary>What a 503 tells Event Grid to wait (Event Grid's own schedule may wait longer).</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(10);

    private readonly RelayOptions _options = options.Value;

    /// <summary>Handles a POST: a validation handshake or a delivery of events.</summary>
    public async Task<WebhookOutcome> PostAsync(WebhookRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!IsAuthorized(request.PresentedSecrets))
        {
            return Refuse(401, WebhookProblemTypes.Unauthorized, "Unauthorized", $"Present the webhook secret as query parameter '{WebhookSecret.QueryName}' or header '{WebhookSecret.HeaderName}'.");
        }

        byte[]? body;
        try
        {
            body = await BoundedBody.ReadAsync(request.Body, request.ContentLength, _options.MaxBodyBytes, cancellationToken);
        }
        catch (IOException e)
        {
            // The caller went away mid-body (or the connection broke): nothing was accepted; Event Grid retries.
            return Unavailable("The request body could not be read.", e);
        }

        if (body is null)
        {
            return Refuse(413, WebhookProblemTypes.TooLarge, "Payload too large", $"The body is larger than {_options.MaxBodyBytes} bytes (Relay:MaxBodyBytes).");
        }

        switch (EventGridParser.Parse(body, request.ContentType, request.EventType))
        {
            case ParsedWebhookBody.Malformed malformed:
                return Refuse(400, WebhookProblemTypes.Malformed, "Malformed Event Grid input", malformed.Reason);

            case ParsedWebhookBody.Validation validation:
                RelayLog.Validated(logger, "EventGridSchema SubscriptionValidation");
                diagnostics?.EventGridHandshake();
                return new WebhookOutcome.ValidationAnswered(new SubscriptionValidationReply(validation.ValidationCode));

            case ParsedWebhookBody.Events events:
                return await AppendAsync(events.Items, cancellationToken);

            default:
                throw new InvalidOperationException("Unknown parse outcome.");
        }
    }

    /// <summary>Handles an OPTIONS: the CloudEvents webhook abuse-protection handshake.</summary>
    public WebhookOutcome Options(IReadOnlyList<string?> presentedSecrets, string? requestOrigin, string? requestRate)
    {
        if (!IsAuthorized(presentedSecrets))
        {
            return Refuse(401, WebhookProblemTypes.Unauthorized, "Unauthorized", $"Present the webhook secret as query parameter '{WebhookSecret.QueryName}' or header '{WebhookSecret.HeaderName}'.");
        }

        if (string.IsNullOrWhiteSpace(requestOrigin))
        {
            return Refuse(400, WebhookProblemTypes.Malformed, "Missing WebHook-Request-Origin", $"An OPTIONS validation request must carry the {RequestOriginHeader} header.");
        }

        // The origin is echoed in WebHook-Allowed-Origin: refuse what cannot be a header value (a 400, not a 500).
        if (!Hardening.HeaderValue.IsEchoable(requestOrigin.Trim()))
        {
            return Refuse(400, WebhookProblemTypes.Malformed, "Bad WebHook-Request-Origin", $"{RequestOriginHeader} must be a host name of visible ASCII characters, at most {Hardening.HeaderValue.MaxEchoLength} long.");
        }

        // The secret authenticates the caller, so any origin is granted, and any rate: "*" whether or not a
        // WebHook-Request-Rate was sent (the header is mandatory in the answer only when one was).
        diagnostics?.EventGridHandshake();
        RelayLog.Validated(logger, requestRate is null ? "CloudEvents abuse protection" : "CloudEvents abuse protection, rate requested");
        return new WebhookOutcome.AbuseProtectionGranted(requestOrigin.Trim(), "*");
    }

    private async Task<WebhookOutcome> AppendAsync(IReadOnlyList<IncomingEvent> events, CancellationToken cancellationToken)
    {
        if (!readiness.IsReady)
        {
            return Unavailable($"The app is not ready: {readiness.Reason}", null);
        }

        try
        {
            var result = await eventLog.AppendAsync(events, cancellationToken);
            diagnostics?.EventGridDelivery();
            return new WebhookOutcome.Acknowledged(new EventGridAck(result.Accepted, result.Duplicates, result.Events));
        }
        catch (EventLogUnavailableException e)
        {
            return Unavailable(e.Message, e.InnerException);
        }
    }

    private bool IsAuthorized(IReadOnlyList<string?> presented) =>
        string.IsNullOrEmpty(_options.WebhookSecret)
            ? _options.AllowUnauthenticated
            : WebhookSecret.Matches(_options.WebhookSecret, [.. presented]);

    private WebhookOutcome.Refused Refuse(int statusCode, string type, string title, string detail)
    {
        stats.Rejected();
        RelayLog.Refused(logger, statusCode, title);
        return new WebhookOutcome.Refused(statusCode, type, title, detail);
    }

    private WebhookOutcome.Refused Unavailable(string reason, Exception? exception)
    {
        stats.Unavailable();
        RelayLog.Unavailable(logger, reason, exception);
        return new WebhookOutcome.Refused(503, WebhookProblemTypes.Unavailable, "Temporarily unavailable", reason, RetryAfter);
    }
}
