namespace FunctionsDashboard.Connections;

/// <summary>What one sweep did.</summary>
/// <param name="StartedAt">Server time the sweep started.</param>
/// <param name="Cutoff">Connections last seen at or before this were stale.</param>
/// <param name="Scanned">Rows read: only those last seen at or before the cutoff.</param>
/// <param name="Removed">Stale connections removed from the registry.</param>
/// <param name="Closed">Removed connections the Service closed (it still had them).</param>
/// <param name="Failed">Candidates whose removal or close failed, plus one per shard whose stale rows could not be read (the next sweep tries again).</param>
/// <param name="Tombstones">Aged-out tombstones of already-disconnected connections removed.</param>
/// <param name="DurationMs">How long the sweep took.</param>
public sealed record SweepResult(
    DateTimeOffset StartedAt,
    DateTimeOffset Cutoff,
    int Scanned,
    int Removed,
    int Closed,
    int Failed,
    int Tombstones,
    double DurationMs);
