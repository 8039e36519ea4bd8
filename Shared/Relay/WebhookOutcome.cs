using System.Text.Json.Serialization;

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

/// <summary>The 200 answer to an event delivery.</summary>
/// <param name="Accepted">Events newly written to the log.</param>
/// <param name="Duplicates">Events that were already there (redeliveries); acknowledged again, not written again.</param>
/// <param name="Events">Each event with its stream and sequence number, in request order.</param>
public sealed record EventGridAck(int Accepted, int Duplicates, IReadOnlyList<AppendedEvent> Events);

/// <summary>The answer to Event Grid's SubscriptionValidation event.</summary>
/// <param name="ValidationResponse">The validation code Event Grid sent.</param>
public sealed record SubscriptionValidationReply([property: JsonPropertyName("validationResponse")] string ValidationResponse);

/// <summary>The problem types (RFC 9457 <c>type</c>) the webhook answers with.</summary>
public static class WebhookProblemTypes
{
    /// <summary>401: the shared secret is missing or wrong.</summary>
    public const string Unauthorized = "urn:functionsdashboard:relay:unauthorized";

    /// <summary>400: the body is not Event Grid input.</summary>
    public const string Malformed = "urn:functionsdashboard:relay:malformed";

    /// <summary>413: the body is larger than <c>Relay:MaxBodyBytes</c>.</summary>
    public const string TooLarge = "urn:functionsdashboard:relay:too-large";

    /// <summary>503: storage is not available right now; Event Grid retries.</summary>
    public const string Unavailable = "urn:functionsdashboard:relay:unavailable";
}
