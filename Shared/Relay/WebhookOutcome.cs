namespace FunctionsDashboard.Relay;

/// <summary>What the Event Grid webhook answers; the function turns it into HTTP.</summary>
public abstract record WebhookOutcome
{
    private WebhookOutcome()
    {
    }

    /// <summary>200: every event is durably in the log and handed off.</summary>
    public sealed record Acknowledged(EventGridAck Ack) : WebhookOutcome;

    /// <summary>200 <c>{"validationResponse": code}</c>: the EventGridSchema subscription handshake.</summary>
    public sealed record ValidationAnswered(SubscriptionValidationReply Reply) : WebhookOutcome;

    /// <summary>200 with <c>WebHook-Allowed-Origin</c>, <c>WebHook-Allowed-Rate</c> and <c>Allow: POST</c>: the CloudEvents handshake.</summary>
    public sealed record AbuseProtectionGranted(string AllowedOrigin, string AllowedRate) : WebhookOutcome;

    /// <summary>A 4xx or 5xx, answered as <c>application/problem+json</c>.</summary>
    public sealed record Refused(int StatusCode, string Type, string Title, string Detail, TimeSpan? RetryAfter = null) : WebhookOutcome;
}
