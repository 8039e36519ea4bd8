using Azure;
using Polly.Timeout;

namespace FunctionsDashboard.Storage;

/// <summary>
/// The one classification of storage (Table, Blob, Queue) failures that the app's Polly pipelines retry on. A failure is
/// <see cref="IsTransient">transient</see> when the same request may succeed later; an optimistic-concurrency
/// <see cref="IsConcurrencyRace">race</see> is a separate question, because only callers that read the row again on
/// their next try (the connection registry) may retry it.
/// </summary>
public static class StorageFailures
{
    /// <summary>
    /// Worth another try: no answer at all (status 0), 408, 429 and 5xx; timeouts (Polly's per-try timeout and the SDK's)
    /// and network failures; an <see cref="AggregateException"/> whose failures are all transient.
    /// </summary>
    public static bool IsTransient(Exception? exception) => exception switch
    {
        RequestFailedException e => e.Status is 0 or 408 or 429 or >= 500,
        AggregateException e => e.InnerExceptions.All(IsTransient),
        TimeoutRejectedException or TimeoutException or HttpRequestException or IOException => true,
        _ => false,
    };

    /// <summary>
    /// A row that moved or vanished between a read and a conditional write (404, 409, 412): retrying pays only when the
    /// retry reads the row again first.
    /// </summary>
    public static bool IsConcurrencyRace(Exception? exception) => exception is RequestFailedException { Status: 404 or 409 or 412 };
}
