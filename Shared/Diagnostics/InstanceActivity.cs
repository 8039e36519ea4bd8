namespace FunctionsDashboard.Diagnostics;

/// <summary>What one app instance saw of negotiates, upstream <c>connected</c> events and Event Grid, as of <see cref="AsOf"/>.</summary>
/// <param name="Instance">The instance (host name, process and a per-start suffix).</param>
/// <param name="AsOf">When this was true: now for this instance, the last durable write for the others.</param>
/// <param name="Negotiates">Negotiates this instance answered with a connection since it started.</param>
/// <param name="Connected">Upstream <c>connected</c> events this instance received since it started.</param>
/// <param name="LastNegotiateAt">The last negotiate answered.</param>
/// <param name="UnansweredNegotiates">
/// Samples (a few, spaced by a quarter of the stale timeout) of negotiates after which this instance saw no
/// <c>connected</c> event.
/// </param>
/// <param name="LastConnectedAt">The last upstream <c>connected</c> event.</param>
/// <param name="LastHandshakeAt">The last Event Grid validation handshake (either schema).</param>
/// <param name="LastDeliveryAt">The last Event Grid delivery acknowledged.</param>
public sealed record InstanceActivity(
    string Instance,
    DateTimeOffset AsOf,
    long Negotiates,
    long Connected,
    DateTimeOffset? LastNegotiateAt,
    IReadOnlyList<DateTimeOffset> UnansweredNegotiates,
    DateTimeOffset? LastConnectedAt,
    DateTimeOffset? LastHandshakeAt,
    DateTimeOffset? LastDeliveryAt);
