using System.Runtime.CompilerServices;
using System.Text.Json;
using Azure.Data.Tables;
using FunctionsDashboard.Storage;
using Microsoft.Extensions.Logging;

namespace FunctionsDashboard.Connections;

/// <summary>
/// The sweep's side of the registry table: reads the rows that can be stale (per partition one query of the key range of
/// old epochs, page by page), removes them in ETag-conditional entity-group transactions, checking one by one only those
/// that changed meanwhile, and keeps the record of the last sweep (row <c>meta/last-sweep</c> of the same table).
/// <see cref="SweepAsync"/> is one walk: each page is removed as it comes while the next is read.
/// </summary>
public sealed partial class StaleConnectionScanner(ConnectionTable table, DashboardStorage storage, TimeProvider timeProvider, ILogger<ConnectionRegistry> logger)
{
    private const string MetaPartition = "meta";
    private const string LastSweepRow = "last-sweep";

    /// <summary>
    /// One walk of a sweep over every shard: each page of stale rows (<see cref="FindStaleAsync"/>) removed as it comes
    /// (<see cref="RemoveStaleAsync"/>), while the next page is read. A page whose read failed comes with its error and
    /// no removals; the next shard follows.
    /// </summary>
    public async IAsyncEnumerable<StaleSweepPage> SweepAsync(DateTimeOffset cutoff, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var page in FindStaleAsync(cutoff, cancellationToken))
        {
            yield return page.Error is { } error
                ? new StaleSweepPage(page.Partition, 0, [], error)
                : new StaleSweepPage(page.Partition, page.Candidates.Count, await RemoveStaleAsync(page.Candidates, cutoff, cancellationToken), null);
        }
    }

    /// <summary>
    /// The rows last seen at or before <paramref name="cutoff"/>, shard by shard and page by page (up to 1,000 rows):
    /// per partition the key range of epochs that began at or before the cutoff (rows last seen before
    /// <c>cutoff + Epoch</c>), narrowed by the service to the rows last seen by the cutoff and checked again here to the
    /// tick (Azurite compares datetimes to the millisecond). Each page is one call through the registry's pipeline (so a
    /// large backlog is never one call that must finish within the per-try timeout), and the next page is read while the
    /// caller works through the current one. A shard whose read fails yields one page carrying the error, and the next
    /// shard follows.
    /// </summary>
    public async IAsyncEnumerable<StalePage> FindStaleAsync(DateTimeOffset cutoff, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Task<PageRead>? pending = ReadStalePageAsync(0, cutoff, null, cancellationToken);
        try
        {
            while (pending is not null)
            {
                var read = await pending;
                pending = read.Next is { } token ? ReadStalePageAsync(read.Shard, cutoff, token, cancellationToken)
                    : read.Shard + 1 < table.Keys.Shards ? ReadStalePageAsync(read.Shard + 1, cutoff, null, cancellationToken)
                    : null;
                if (read.Page.Candidates.Count > 0 || read.Page.Error is not null)
                {
                    yield return read.Page;
                }
            }
        }
        finally
        {
            // The caller stopped early: observe the page read ahead, which nobody wants any more.
            if (pending is not null)
            {
                try
                {
                    await pending;
                }
                catch (OperationCanceledException)
                {
                    // Cancelled with the caller.
                }
            }
        }
    }

    /// <summary>The last sweep recorded by any instance, or null.</summary>
    public async Task<SweepResult?> LastSweepAsync(CancellationToken cancellationToken)
    {
        var row = await storage.Table(ConnectionRegistryOptions.TableName).GetEntityIfExistsAsync<TableEntity>(MetaPartition, LastSweepRow, cancellationToken: cancellationToken);
        return row.HasValue && row.Value!.GetString("Result") is { } json ? JsonSerializer.Deserialize<SweepResult>(json, JsonSerializerOptions.Web) : null;
    }

    /// <summary>Records <paramref name="result"/> as the last sweep (for <c>GET /api/connections</c>); throws when storage fails.</summary>
    public async Task RecordAsync(SweepResult result, CancellationToken cancellationToken)
    {
        var row = new TableEntity(MetaPartition, LastSweepRow) { ["Result"] = JsonSerializer.Serialize(result, JsonSerializerOptions.Web) };
        await storage.Table(ConnectionRegistryOptions.TableName).UpsertEntityAsync(row, TableUpdateMode.Replace, cancellationToken);
    }

    private async Task<PageRead> ReadStalePageAsync(int shard, DateTimeOffset cutoff, string? continuation, CancellationToken cancellationToken)
    {
        var partition = ConnectionKeys.PartitionName(shard);
        var upper = ConnectionKeys.EpochBound(cutoff.UtcTicks + 1);
        var narrowing = cutoff.AddMilliseconds(1);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {ConnectionKeys.KeyPrefix} and RowKey lt {upper} and LastSeen lt {narrowing}");
        try
        {
            return await table.RunAsync(
                async ct =>
                {
                    await foreach (var page in table.Client.QueryAsync<ConnectionRow>(filter, maxPerPage: 1000, cancellationToken: ct).AsPages(continuation, 1000))
                    {
                        var candidates = page.Values
                            .Where(row => row.LastSeen is { } seen && seen <= cutoff)
                            .Select(row => new StaleCandidate(partition, row.RowKey, row.ETag, row.IsLive, row.ToRecord()))
                            .ToList();
                        return new PageRead(shard, new StalePage(partition, candidates, null), page.ContinuationToken);
                    }

                    return new PageRead(shard, new StalePage(partition, [], null), null);
                },
                cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            Log.StaleReadFailed(logger, partition, e);
            return new PageRead(shard, new StalePage(partition, [], e), null);
        }
    }

    private sealed record PageRead(int Shard, StalePage Page, string? Next);

    private static partial class Log
    {
        [LoggerMessage(EventId = 4004, EventName = "StaleBatchFailed", Level = LogLevel.Warning, Message = "Removing {Count} stale connections in partition {Partition} failed or its answer was lost; they are settled by reading or checked one by one")]
        public static partial void StaleBatchFailed(ILogger logger, string partition, int count, Exception exception);

        [LoggerMessage(EventId = 4006, EventName = "StaleReadFailed", Level = LogLevel.Warning, Message = "Reading the stale connections of partition {Partition} failed; it waits for the next sweep")]
        public static partial void StaleReadFailed(ILogger logger, string partition, Exception exception);
    }
}
