using Azure;

namespace FunctionsDashboard.Connections;

/// <summary>A page of <see cref="StaleConnectionScanner.FindStaleAsync"/>: stale rows of one partition, or the error that stopped its read.</summary>
/// <param name="Partition">The shard partition.</param>
/// <param name="Candidates">Its rows last seen at or before the cutoff (up to 1,000).</param>
/// <param name="Error">Why the partition could not be read (after the registry's retries), or null.</param>
public sealed record StalePage(string Partition, IReadOnlyList<StaleCandidate> Candidates, Exception? Error);

/// <summary>A row the sweep read because its connection was last seen at or before the cutoff.</summary>
/// <param name="Partition">The shard partition.</param>
/// <param name="RowKey">The row's key.</param>
/// <param name="ETag">The row's ETag when read: the removal is conditional on it.</param>
/// <param name="WasLive">Live when read (else a tombstone of a connection already gone).</param>
/// <param name="Record">The connection as read.</param>
public sealed record StaleCandidate(string Partition, string RowKey, ETag ETag, bool WasLive, ConnectionRecord Record)
{
    /// <summary>The connection.</summary>
    public string ConnectionId => Record.ConnectionId;
}

/// <summary>A candidate and what <see cref="StaleConnectionScanner.RemoveStaleAsync"/> did with it.</summary>
/// <param name="Candidate">The candidate.</param>
/// <param name="Disposition">The outcome.</param>
public sealed record StaleRemoval(StaleCandidate Candidate, StaleDisposition Disposition);

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

/// <summary>A page of <see cref="StaleConnectionScanner.SweepAsync"/>: what one page of stale rows came to.</summary>
/// <param name="Partition">The shard partition.</param>
/// <param name="Scanned">The rows read (last seen at or before the cutoff).</param>
/// <param name="Removals">What became of each (empty when the read failed).</param>
/// <param name="Error">Why the partition could not be read (after the registry's retries), or null.</param>
public sealed record StaleSweepPage(string Partition, int Scanned, IReadOnlyList<StaleRemoval> Removals, Exception? Error);

/// <summary>What one entity-group transaction of stale deletes came to.</summary>
internal enum StaleBatchOutcome
{
    /// <summary>Committed: every row is removed.</summary>
    Removed,

    /// <summary>Refused (a row changed or vanished meanwhile), and no earlier attempt can have committed.</summary>
    Refused,

    /// <summary>An earlier attempt's answer was lost: it may have committed (settled by reading).</summary>
    Uncertain,
}
