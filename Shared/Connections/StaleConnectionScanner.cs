using System.Runtime.CompilerServices;
using System.Text.Json;
using Azure;
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
    /// <summary>Operations per entity-group transaction: the service's limit.</summary>
    internal const int MaxBatchOperations = 100;

    /// <summary>
    /// Entity-group transactions of one partition in flight at once. Few: each deletes up to 100 rows, and one that
    /// waits behind many others can outlive its per-try timeout (then its outcome has to be settled by reading).
    /// </summary>
    private const int BatchParallelism = 2;

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

    /// <summary>
    /// Removes stale candidates of one partition (from <see cref="FindStaleAsync"/>): deleted in entity-group
    /// transactions of up to 100 rows, each delete conditional on the ETag the sweep read. A transaction in which any row
    /// changed meanwhile (a heartbeat, an overlapping sweep, a <c>disconnected</c>) fails as a whole and its candidates are
    /// checked one by one (<see cref="TryRemoveStaleAsync"/>); one whose answer was lost is settled by reading its rows.
    /// Never throws for a single candidate: its outcome is <see cref="StaleDisposition.Failed"/>.
    /// </summary>
    public async Task<IReadOnlyList<StaleRemoval>> RemoveStaleAsync(IReadOnlyList<StaleCandidate> candidates, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        if (candidates.Select(c => c.Partition).Distinct(StringComparer.Ordinal).Skip(1).Any())
        {
            throw new ArgumentException("The candidates of one call must share a partition.", nameof(candidates));
        }

        var outcomes = new List<StaleRemoval>(candidates.Count);
        await Parallel.ForEachAsync(
            candidates.Chunk(MaxBatchOperations),
            new ParallelOptions { MaxDegreeOfParallelism = BatchParallelism, CancellationToken = cancellationToken },
            async (batch, ct) =>
            {
                List<StaleRemoval> done = batch.Length == 1 ? [] : await SubmitBatchAsync(batch, ct) switch
                {
                    StaleBatchOutcome.Removed => batch.Select(RemovedOutcome).ToList(),
                    StaleBatchOutcome.Refused => [],
                    _ => await SettleAsync(batch, cutoff, ct),
                };
                var settled = done.Select(r => r.Candidate).ToHashSet();
                foreach (var candidate in batch.Where(c => !settled.Contains(c)))
                {
                    done.Add(new StaleRemoval(candidate, await TryRemoveOneAsync(candidate, cutoff, ct)));
                }

                lock (outcomes)
                {
                    outcomes.AddRange(done);
                }
            });

        return outcomes;
    }

    /// <summary>
    /// Removes one candidate if its connection is still stale, conditional on the row's ETag: a heartbeat that lands
    /// meanwhile wins and the connection stays; a row already gone from where the sweep read it (another sweep removed
    /// it, a heartbeat moved it on, a <c>disconnected</c> marked it gone) is not counted.
    /// </summary>
    public Task<StaleDisposition> TryRemoveStaleAsync(StaleCandidate candidate, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var attempts = 0;
        var (etag, wasLive) = (candidate.ETag, candidate.WasLive);
        var answerLost = false;
        return table.RunAsync(
            async ct =>
            {
                if (attempts++ > 0)
                {
                    // A retry: a conflict (the row changed) or a lost answer (the delete may have gone through).
                    var row = await table.ReadAsync(candidate.Partition, candidate.RowKey, ct);
                    if (row is null)
                    {
                        // Gone: by this sweep's lost attempt, unless a heartbeat shows the connection alive elsewhere (then
                        // it stays, whoever deleted this row). An overlapping sweep removing it in the same instant would
                        // be counted by both; the second close is harmless.
                        return await GoneFromWhereReadAsync(candidate, cutoff, ct) is var gone && gone == StaleDisposition.StillLive || !answerLost
                            ? gone
                            : Removed(wasLive);
                    }

                    // Still there: no earlier attempt deleted it.
                    answerLost = false;
                    if (row.LastSeen is not { } seen || seen > cutoff)
                    {
                        return StaleDisposition.StillLive;
                    }

                    (etag, wasLive) = (row.ETag, row.IsLive);
                }

                try
                {
                    // The SDK answers a delete of a missing entity with 404 instead of throwing.
                    if ((await table.Client.DeleteEntityAsync(candidate.Partition, candidate.RowKey, etag, ct)).Status == 404)
                    {
                        return await GoneFromWhereReadAsync(candidate, cutoff, ct);
                    }
                }
                catch (RequestFailedException e) when (e.Status == 412)
                {
                    throw; // retried at once by the pipeline, which reads the row again
                }
                catch (Exception)
                {
                    // A timeout or a transient failure: the delete may have gone through.
                    answerLost = true;
                    throw;
                }

                table.Forget(candidate.ConnectionId);
                return Removed(wasLive);
            },
            cancellationToken);
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

    /// <summary>
    /// One transaction, through the registry's pipeline. <see cref="StaleBatchOutcome.Refused"/> when the service refused
    /// it (412, 404: a row changed or vanished meanwhile) and no earlier attempt can have committed.
    /// <see cref="StaleBatchOutcome.Uncertain"/> when an earlier attempt's answer was lost (a timeout, a network failure,
    /// a server error) and the batch then failed or was refused: that attempt may have committed. Throttling (429) is a
    /// definite no.
    /// </summary>
    internal async Task<StaleBatchOutcome> SubmitBatchAsync(IReadOnlyList<StaleCandidate> batch, CancellationToken cancellationToken)
    {
        var mayHaveCommitted = false;
        try
        {
            return await table.RunAsync(
                async ct =>
                {
                    try
                    {
                        await table.Client.SubmitTransactionAsync(batch.Select(c => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(c.Partition, c.RowKey), c.ETag)), ct);
                    }
                    catch (TableTransactionFailedException e) when (e.Status is 404 or 412)
                    {
                        return mayHaveCommitted ? StaleBatchOutcome.Uncertain : StaleBatchOutcome.Refused;
                    }
                    catch (Exception e)
                    {
                        mayHaveCommitted |= e is not RequestFailedException { Status: 429 };
                        throw;
                    }

                    foreach (var c in batch)
                    {
                        table.Forget(c.ConnectionId);
                    }

                    return StaleBatchOutcome.Removed;
                },
                cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            Log.StaleBatchFailed(logger, batch[0].Partition, batch.Count, e);
            return mayHaveCommitted ? StaleBatchOutcome.Uncertain : StaleBatchOutcome.Refused;
        }
    }

    /// <summary>
    /// Settles a batch that may have committed by reading its rows. A transaction is atomic: if any of its rows is still
    /// there, it did not commit, and none is counted here (the caller checks each one on its own). If every row is gone,
    /// it most likely committed; a connection found alive elsewhere (a heartbeat moved its row) is kept all the same.
    /// </summary>
    internal async Task<List<StaleRemoval>> SettleAsync(IReadOnlyList<StaleCandidate> batch, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var candidate in batch)
            {
                if (await table.RunAsync(async ct => await table.ReadAsync(candidate.Partition, candidate.RowKey, ct) is not null, cancellationToken))
                {
                    return [];
                }
            }
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            Log.StaleBatchFailed(logger, batch[0].Partition, batch.Count, e);
            return [];
        }

        // Every row is gone: most likely this batch's lost attempt. But a heartbeat may have moved a row on (and the
        // attempt then failed): a connection found alive elsewhere stays, and is not closed.
        var settled = new List<StaleRemoval>(batch.Count);
        foreach (var candidate in batch)
        {
            table.Forget(candidate.ConnectionId);
            try
            {
                settled.Add(candidate.WasLive && await table.RunAsync(ct => GoneFromWhereReadAsync(candidate, cutoff, ct), cancellationToken) == StaleDisposition.StillLive
                    ? new StaleRemoval(candidate, StaleDisposition.StillLive)
                    : RemovedOutcome(candidate));
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                Log.StaleBatchFailed(logger, candidate.Partition, 1, e);
                settled.Add(new StaleRemoval(candidate, StaleDisposition.Failed));
            }
        }

        return settled;
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

    /// <summary>
    /// The row is no longer where the sweep read it: a heartbeat moved it on (<see cref="StaleDisposition.StillLive"/>), or
    /// another sweep or a <c>disconnected</c> removed it (<see cref="StaleDisposition.RemovedElsewhere"/>).
    /// </summary>
    private async Task<StaleDisposition> GoneFromWhereReadAsync(StaleCandidate candidate, DateTimeOffset cutoff, CancellationToken cancellationToken) =>
        await table.LocateAsync(candidate.ConnectionId, timeProvider.GetUtcNow(), cancellationToken) is { IsLive: true } row && row.LastSeen > cutoff
            ? StaleDisposition.StillLive
            : StaleDisposition.RemovedElsewhere;

    private async Task<StaleDisposition> TryRemoveOneAsync(StaleCandidate candidate, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        try
        {
            return await TryRemoveStaleAsync(candidate, cutoff, cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            Log.StaleBatchFailed(logger, candidate.Partition, 1, e);
            return StaleDisposition.Failed;
        }
    }

    private static StaleRemoval RemovedOutcome(StaleCandidate candidate) => new(candidate, Removed(candidate.WasLive));

    private static StaleDisposition Removed(bool wasLive) => wasLive ? StaleDisposition.RemovedStale : StaleDisposition.RemovedTombstone;

    private sealed record PageRead(int Shard, StalePage Page, string? Next);

    private static partial class Log
    {
        [LoggerMessage(EventId = 4004, EventName = "StaleBatchFailed", Level = LogLevel.Warning, Message = "Removing {Count} stale connections in partition {Partition} failed or its answer was lost; they are settled by reading or checked one by one")]
        public static partial void StaleBatchFailed(ILogger logger, string partition, int count, Exception exception);

        [LoggerMessage(EventId = 4006, EventName = "StaleReadFailed", Level = LogLevel.Warning, Message = "Reading the stale connections of partition {Partition} failed; it waits for the next sweep")]
        public static partial void StaleReadFailed(ILogger logger, string partition, Exception exception);
    }
}
