using System.Runtime.Serialization;
using Azure;
using Azure.Data.Tables;

namespace FunctionsDashboard.Connections;

/// <summary>
/// One connection's row in the registry table, typed: where it is (<see cref="ConnectionKeys"/>), who it is, when it
/// connected and was last seen, and whether it is live or a tombstone of a connection already gone.
/// </summary>
public sealed class ConnectionRow : ITableEntity
{
    /// <summary>The state of a live connection.</summary>
    public const string Live = "live";

    /// <summary>The state of a tombstone (a <c>disconnected</c> seen, possibly before its <c>connected</c>).</summary>
    public const string Gone = "gone";

    /// <inheritdoc />
    public string PartitionKey { get; set; } = "";

    /// <inheritdoc />
    public string RowKey { get; set; } = "";

    /// <inheritdoc />
    public DateTimeOffset? Timestamp { get; set; }

    /// <inheritdoc />
    public ETag ETag { get; set; }

    /// <summary>The Service's connection id.</summary>
    public string ConnectionId { get; set; } = "";

    /// <summary>The hub.</summary>
    public string Hub { get; set; } = "";

    /// <summary>The user, when known.</summary>
    public string? UserId { get; set; }

    /// <summary>The connection's subscription group, when known.</summary>
    public string? Group { get; set; }

    /// <summary>Server time the connection was registered.</summary>
    public DateTimeOffset? ConnectedAt { get; set; }

    /// <summary>Server time of its last sign of life.</summary>
    public DateTimeOffset? LastSeen { get; set; }

    /// <summary><see cref="Live"/> or <see cref="Gone"/>.</summary>
    public string? State { get; set; }

    /// <summary>True for a live connection (not a tombstone).</summary>
    [IgnoreDataMember]
    public bool IsLive => State == Live;

    /// <summary>The row a registration at <paramref name="lastSeen"/> (or a move) writes.</summary>
    internal static ConnectionRow Create(string partition, long epochStart, string connectionId, string hub, string? userId, DateTimeOffset connectedAt, DateTimeOffset lastSeen, string state, string? group = null) => new()
    {
        PartitionKey = partition,
        RowKey = ConnectionKeys.RowKey(epochStart, connectionId),
        ConnectionId = connectionId,
        Hub = hub,
        UserId = userId,
        Group = group,
        ConnectedAt = connectedAt,
        LastSeen = lastSeen,
        State = state,
    };

    /// <summary>The row a registration (<c>ConnectionRegistry.RegisterAsync</c>) writes for a connection registered at <paramref name="at"/>.</summary>
    internal static ConnectionRow Registered(ConnectionKeys keys, string hub, string connectionId, string? userId, DateTimeOffset at, string? group = null) =>
        Create(keys.Partition(connectionId), keys.EpochStart(at), connectionId, hub, userId, at, at, Live, group);

    /// <summary>A merge that moves only <see cref="LastSeen"/>.</summary>
    internal static TableEntity LastSeenUpdate(string partition, string rowKey, DateTimeOffset lastSeen) => new(partition, rowKey) { [nameof(LastSeen)] = lastSeen };

    /// <summary>The connection as the registry reports it.</summary>
    public ConnectionRecord ToRecord() => new(ConnectionId, Hub, UserId, ConnectedAt ?? default, LastSeen ?? default);
}
