using Azure.Data.Tables;

namespace FunctionsDashboard.Connections;

/// <summary>Bulk loading, for benchmarks and tests.</summary>
public sealed partial class ConnectionRegistry
{
    /// <summary>Operations per entity-group transaction: the service's limit.</summary>
    internal const int MaxBatchOperations = 100;

    /// <summary>The shard partition of a connection.</summary>
    internal string PartitionOf(string connectionId) => Partition(connectionId);

    /// <summary>
    /// Writes, for each connection, exactly the rows <see cref="RegisterAsync"/> writes for a connection registered at its
    /// <see cref="SeedConnection.LastSeen"/>: the connection row and its index row. Rows go in entity-group transactions
    /// per partition of <see cref="MaxBatchOperations"/> operations (50 connections each), up to
    /// <paramref name="parallelism"/> at a time. Insert only: a connection that already exists fails its batch. The
    /// connections are not remembered by this instance (as if another instance had registered them).
    /// </summary>
    internal async Task SeedAsync(IEnumerable<SeedConnection> connections, int parallelism, CancellationToken cancellationToken)
    {
        var batches = connections
            .GroupBy(c => Partition(c.ConnectionId), StringComparer.Ordinal)
            .SelectMany(shard => shard.Chunk(MaxBatchOperations / 2).Select(chunk => chunk
                .SelectMany(c => new TableTransactionAction[]
                {
                    new(TableTransactionActionType.Add, ConnectionRow(shard.Key, c.Hub, c.ConnectionId, c.UserId, c.LastSeen, Live)),
                    new(TableTransactionActionType.Add, IndexRow(shard.Key, c.ConnectionId, c.Hub, c.LastSeen.UtcTicks)),
                })
                .ToList()));

        await Parallel.ForEachAsync(
            batches,
            new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken },
            async (batch, ct) => await RunAsync(async token => await _table.SubmitTransactionAsync(batch, token), ct));
    }
}

/// <summary>A connection to bulk-load: as registered at <paramref name="LastSeen"/>.</summary>
/// <param name="Hub">The hub.</param>
/// <param name="ConnectionId">The connection.</param>
/// <param name="UserId">The user, if any.</param>
/// <param name="LastSeen">When it registered (and was last seen).</param>
internal readonly record struct SeedConnection(string Hub, string ConnectionId, string? UserId, DateTimeOffset LastSeen);
