using Azure.Data.Tables;
using FunctionsDashboard.Connections;

namespace FunctionsDashboard.Bench;

/// <summary>
/// The baseline: the same connections as plain rows (one per connection, in the registry's shard partitions, with the
/// connection row's properties), and the obvious sweep: query every row (all pages, 1,000 per page), pick the stale ones
/// client-side, delete them in entity-group transactions of 100 within a partition (ETag-conditional, as the rows came).
/// </summary>
internal static class RawSweep
{
    public const string TableName = "rawconnections";

    public static async Task SeedAsync(TableClient table, ConnectionKeys keys, IEnumerable<SeedConnection> connections, int parallelism, CancellationToken cancellationToken)
    {
        await table.CreateIfNotExistsAsync(cancellationToken);
        var batches = connections
            .Select(c => new TableEntity(keys.Partition(c.ConnectionId), ConnectionKeys.EncodeKey(c.ConnectionId))
            {
                ["Hub"] = c.Hub,
                ["UserId"] = c.UserId,
                ["ConnectedAt"] = c.LastSeen,
                ["LastSeen"] = c.LastSeen,
                ["State"] = "live",
            })
            .GroupBy(e => e.PartitionKey, StringComparer.Ordinal)
            .SelectMany(g => g.Chunk(StaleConnectionScanner.MaxBatchOperations))
            .ToList();
        await Parallel.ForEachAsync(
            batches,
            new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken },
            async (batch, ct) => await table.SubmitTransactionAsync(batch.Select(e => new TableTransactionAction(TableTransactionActionType.Add, e)), ct));
    }

    public static async Task<RawResult> RunAsync(TableClient table, DateTimeOffset cutoff, int parallelism, CancellationToken cancellationToken)
    {
        var scanned = 0;
        var stale = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>(maxPerPage: 1000, cancellationToken: cancellationToken))
        {
            scanned++;
            if (row.GetDateTimeOffset("LastSeen") is { } seen && seen <= cutoff)
            {
                stale.Add(row);
            }
        }

        var (batches, resubmitted) = await DeleteAsync(table, stale, parallelism, cancellationToken);
        return new RawResult(scanned, stale.Count, batches, resubmitted);
    }

    /// <summary>
    /// Reference only (not the product's design): the same plain rows without any index, swept by one filtered query
    /// per shard (<c>LastSeen le cutoff</c>, filtered by the server) and the same batch deletes.
    /// </summary>
    public static async Task<RawResult> RunFilteredAsync(TableClient table, IEnumerable<string> partitions, DateTimeOffset cutoff, int parallelism, CancellationToken cancellationToken)
    {
        var stale = new List<TableEntity>();
        foreach (var partition in partitions)
        {
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and LastSeen le {cutoff}");
            await foreach (var row in table.QueryAsync<TableEntity>(filter, maxPerPage: 1000, cancellationToken: cancellationToken))
            {
                if (row.GetDateTimeOffset("LastSeen") is { } seen && seen <= cutoff)
                {
                    stale.Add(row);
                }
            }
        }

        var (batches, resubmitted) = await DeleteAsync(table, stale, parallelism, cancellationToken);
        return new RawResult(stale.Count, stale.Count, batches, resubmitted);
    }

    private static async Task<(int Batches, int Resubmitted)> DeleteAsync(TableClient table, List<TableEntity> stale, int parallelism, CancellationToken cancellationToken)
    {
        var batches = stale
            .GroupBy(e => e.PartitionKey, StringComparer.Ordinal)
            .SelectMany(g => g.Chunk(StaleConnectionScanner.MaxBatchOperations))
            .ToList();
        var resubmitted = 0;
        await Parallel.ForEachAsync(
            batches,
            new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken },
            async (batch, ct) =>
            {
                var actions = batch.Select(e => new TableTransactionAction(TableTransactionActionType.Delete, e, e.ETag)).ToList();
                for (var attempt = 0; attempt < StaleConnectionScanner.MaxBatchOperations && actions.Count > 0; attempt++)
                {
                    try
                    {
                        await table.SubmitTransactionAsync(actions, ct);
                        return;
                    }
                    catch (TableTransactionFailedException e) when (e.Status == 404 && e.FailedTransactionActionIndex is { } i)
                    {
                        // Already gone (an SDK retry of a batch that did commit): drop it and send the rest again.
                        Interlocked.Increment(ref resubmitted);
                        actions.RemoveAt(i);
                    }
                }
            });
        return (batches.Count, resubmitted);
    }
}

/// <summary>What the baseline did.</summary>
internal sealed record RawResult(int Scanned, int Deleted, int Batches, int Resubmitted);
