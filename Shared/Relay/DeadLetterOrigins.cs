namespace FunctionsDashboard.Relay;

/// <summary>The <see cref="DeadLetterEntry.Origin"/> values.</summary>
public static class DeadLetterOrigins
{
    /// <summary>Every try failed with a retryable error.</summary>
    public const string RetriesExhausted = "retries-exhausted";

    /// <summary>A try failed with an error that is not worth retrying (400, 401, 403, 404, 413, ...).</summary>
    public const string NotRetryable = "not-retryable";

    /// <summary>Its delivery message failed <c>maxDequeueCount</c> times and went to the poison queue.</summary>
    public const string Poison = "poison";

    /// <summary>Its delivery message named a seq the event log does not have.</summary>
    public const string Missing = "missing";

    /// <summary>The delivery message could not be read at all.</summary>
    public const string InvalidMessage = "invalid-message";
}
