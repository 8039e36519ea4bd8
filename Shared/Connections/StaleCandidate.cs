using Azure;

namespace FunctionsDashboard.Connections;

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
