namespace FunctionsDashboard.Relay;

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
