namespace FunctionsDashboard.Connections;

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
