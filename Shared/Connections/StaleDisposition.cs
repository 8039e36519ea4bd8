namespace FunctionsDashboard.Connections;

/// <summary>Outcomes of a stale removal.</summary>
public enum StaleDisposition
{
    /// <summary>A live connection was stale and is removed.</summary>
    RemovedStale,

    /// <summary>A tombstone (already disconnected) aged out and is removed.</summary>
    RemovedTombstone,

    /// <summary>The connection was seen after the cutoff meanwhile (a heartbeat landed during the sweep): kept.</summary>
    StillLive,

    /// <summary>Another sweep (or a <c>disconnected</c>) removed it first: not counted here.</summary>
    RemovedElsewhere,

    /// <summary>Storage failed for this candidate; the next sweep tries again.</summary>
    Failed,
}
