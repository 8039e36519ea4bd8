using Azure.Data.Tables;
using FunctionsDashboard.Connections;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsDashboard.Tests.Connections;

/// <summary>A connection to bulk-load: as registered at <paramref name="LastSeen"/>.</summary>
/// <param name="Hub">The hub.</param>
/// <param name="ConnectionId">The connection.</param>
/// <param name="UserId">The user, if any.</param>
/// <param name="LastSeen">When it registered (and was last seen).</param>
public readonly record struct SeedConnection(string Hub, string ConnectionId, string? UserId, DateTimeOffset LastSeen);

/// <summary>
/// Writes, for each connection, the row a registration at its <see cref="SeedConnection.LastSeen"/> writes
/// (<see cref="ConnectionRow.Registered"/>), in entity-group transactions per partition, through the registry's
/// pipeline. Insert only. The connections are not remembered by the instance (as if another instance had registered them).
/// </summary>
public static class ConnectionSeeder
{
    public static async Task SeedAsync(IServiceProvider services, IEnumerable<SeedConnection> connections, int parallelism, CancellationToken cancellationToken)
    {
        var table = services.GetRequiredService<ConnectionTable>();
        var batches = connections
            .Select(c => ConnectionRow.Registered(table.Keys, c.Hub, c.ConnectionId, c.UserId, c.LastSeen))
            .GroupBy(row => row.PartitionKey, StringComparer.Ordinal)
            .SelectMany(shard => shard.Chunk(StaleConnectionScanner.MaxBatchOperations))
            .Select(chunk => chunk.Select(row => new TableTransactionAction(TableTransactionActionType.Add, row)).ToList());

        await Parallel.ForEachAsync(
            batches,
            new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken },
            async (batch, ct) => await table.RunAsync(async token => await table.Client.SubmitTransactionAsync(batch, token), ct));
    }
}
