using System.Runtime.CompilerServices;
using Azure.Data.Tables;
using FunctionsDashboard.Connections;

namespace FunctionsDashboard.Bench;

/// <summary>A connection to bulk-load: as registered at <paramref name="LastSeen"/>.</summary>
/// <param name="Hub">The hub.</param>
/// <param name="ConnectionId">The connection.</param>
/// <param name="UserId">The user, if any.</param>
/// <param name="LastSeen">When it registered (and was last seen).</param>
internal readonly record struct SeedConnection(string Hub, string ConnectionId, string? UserId, DateTimeOffset LastSeen);

/// <summary>
/// The benchmark's access to the registry table beside the product's API (Shared grants it its internals): bulk-loading
/// the rows registrations write, and listing the stale candidates the scanner reads.
/// </summary>
internal static class RegistrySeed
{
    /// <summary>
    /// Writes, for each connection, the row a registration at its <see cref="SeedConnection.LastSeen"/> writes
    /// (<see cref="ConnectionRow.Registered"/>), in entity-group transactions of
    /// <see cref="StaleConnectionScanner.MaxBatchOperations"/> rows per partition, up to <paramref name="parallelism"/>
    /// at a time, through the registry's pipeline. Not remembered by the instance (as if another had registered them).
    /// </summary>
    public static async Task SeedAsync(ConnectionTable table, IEnumerable<SeedConnection> connections, int parallelism, CancellationToken cancellationToken)
    {
        var batches = connections
            .GroupBy(c => table.Keys.Partition(c.ConnectionId), StringComparer.Ordinal)
            .SelectMany(shard => shard.Chunk(StaleConnectionScanner.MaxBatchOperations))
            .Select(chunk => chunk.Select(c => new TableTransactionAction(TableTransactionActionType.Add, ConnectionRow.Registered(table.Keys, c.Hub, c.ConnectionId, c.UserId, c.LastSeen))).ToList());
        await Parallel.ForEachAsync(
            batches,
            new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken },
            async (batch, ct) => await table.RunAsync(async token => await table.Client.SubmitTransactionAsync(batch, token), ct));
    }

    /// <summary>The stale candidates the scanner reads, one by one; throws when a shard could not be read.</summary>
    public static async IAsyncEnumerable<StaleCandidate> CandidatesAsync(StaleConnectionScanner scanner, DateTimeOffset cutoff, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var page in scanner.FindStaleAsync(cutoff, cancellationToken))
        {
            if (page.Error is { } error)
            {
                throw new InvalidOperationException($"Reading the stale rows of partition {page.Partition} failed.", error);
            }

            foreach (var candidate in page.Candidates)
            {
                yield return candidate;
            }
        }
    }
}
