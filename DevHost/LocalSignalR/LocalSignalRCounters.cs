namespace FunctionsDashboard.DevHost.LocalSignalR;

/// <summary>
/// A snapshot of what the local SignalR Service did, for tests: REST calls by outcome (<see cref="RestOutcome"/>),
/// upstream calls made and dropped by event (<c>connected</c>, <c>disconnected</c>, or the invocation target), and
/// upstream calls that failed (non-2xx answer or no answer).
/// </summary>
internal sealed record LocalSignalRCounters(
    IReadOnlyDictionary<string, long> RestCalls,
    IReadOnlyDictionary<string, long> UpstreamMade,
    IReadOnlyDictionary<string, long> UpstreamDropped,
    long UpstreamFailed)
{
    /// <summary>REST calls with <paramref name="outcome"/>.</summary>
    public long Rest(string outcome) => RestCalls.GetValueOrDefault(outcome);

    /// <summary>Upstream calls made for <paramref name="eventName"/>.</summary>
    public long Made(string eventName) => UpstreamMade.GetValueOrDefault(eventName);

    /// <summary>Upstream calls dropped (by the fault knob) for <paramref name="eventName"/>.</summary>
    public long Dropped(string eventName) => UpstreamDropped.GetValueOrDefault(eventName);
}

/// <summary>The outcome names of REST calls in <see cref="LocalSignalRCounters.RestCalls"/>.</summary>
internal static class RestOutcome
{
    /// <summary>Answered as the real Service would (2xx, or 404 from a HEAD check).</summary>
    public const string Ok = "ok";

    /// <summary>401: no, or a bad, bearer token.</summary>
    public const string Unauthorized = "unauthorized";

    /// <summary>400 (bad body or name) or 413 (body over 1 MB).</summary>
    public const string Rejected = "rejected";

    /// <summary>503 because the Service is <see cref="LocalSignalRFaultSettings.Offline"/>.</summary>
    public const string Offline = "offline";

    /// <summary>Injected 429.</summary>
    public const string Throttled = "injected-429";

    /// <summary>Really delivered, then answered 500.</summary>
    public const string FailedAfterDelivery = "failed-after-delivery";

    /// <summary>Injected 5xx without delivery: <c>injected-500</c>, <c>injected-502</c>, ...</summary>
    public static string Injected(int status) => $"injected-{status}";
}
