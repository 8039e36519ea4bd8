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
