using System.Globalization;
using System.Runtime.CompilerServices;
using Azure;
using Azure.Data.Tables;

namespace FunctionsDashboard.Connections;

/// <summary>The sweep's side of the registry: reading the rows that can be stale and removing them.</summary>
public sealed partial class ConnectionRegistry
{
    /// <summary>Operations per entity-group transaction: the service's limit.</summary>
    internal const int MaxBatchOperations = 100;

    /// <summary>
    /// Entity-group transactions of one partition in flight at once. Few: each deletes up to 100 rows, and one that
    /// waits behind many others can outlive its per-try timeout (then its outcome has to be settled by reading).
    /// </summary>
    private const int BatchParallelism = 2;

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
                    : read.Shard + 1 < _shards ? ReadStalePageAsync(read.Shard + 1, cutoff, null, cancellationToken)
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

    /// <summary>The candidates of <see cref="FindStaleAsync"/>, one by one; throws when a shard could not be read.</summary>
    public async IAsyncEnumerable<StaleCandidate> FindStaleCandidatesAsync(DateTimeOffset cutoff, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var page in FindStaleAsync(cutoff, cancellationToken))
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

    private async Task<PageRead> ReadStalePageAsync(int shard, DateTimeOffset cutoff, string? continuation, CancellationToken cancellationToken)
    {
        var partition = PartitionName(shard);
        var upper = KeyPrefix + (cutoff.UtcTicks + 1).ToString("D19", CultureInfo.InvariantCulture);
        var narrowing = cutoff.AddMilliseconds(1);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {KeyPrefix} and RowKey lt {upper} and LastSeen lt {narrowing}");
        try
        {
            return await RunAsync(
                async ct =>
                {
                    await foreach (var page in _table.QueryAsync<TableEntity>(filter, maxPerPage: 1000, cancellationToken: ct).AsPages(continuation, 1000))
                    {
                        var candidates = page.Values
                            .Where(row => row.GetDateTimeOffset("LastSeen") is { } seen && seen <= cutoff)
                            .Select(row => new StaleCandidate(partition, row.RowKey, row.ETag, row.GetString("State") == Live, ToRecord(row)))
                            .ToList();
                        return new PageRead(shard, new StalePage(partition, candidates, null), page.ContinuationToken);
                    }

                    return new PageRead(shard, new StalePage(partition, [], null), null);
                },
                cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            Log.StaleReadFailed(_logger, partition, e);
            return new PageRead(shard, new StalePage(partition, [], e), null);
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
                List<StaleRemoval> done = batch.Length == 1 ? [] : await SubmitStaleBatchAsync(batch, ct) switch
                {
                    BatchOutcome.Removed => batch.Select(RemovedOutcome).ToList(),
                    BatchOutcome.Refused => [],
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
        return RunAsync(
            async ct =>
            {
                if (attempts++ > 0)
                {
                    // A retry: a conflict (the row changed) or a lost answer (the delete may have gone through).
                    var row = await ReadAsync(candidate.Partition, candidate.RowKey, ct);
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
                    if (row.GetDateTimeOffset("LastSeen") is not { } seen || seen > cutoff)
                    {
                        return StaleDisposition.StillLive;
                    }

                    (etag, wasLive) = (row.ETag, row.GetString("State") == Live);
                }

                try
                {
                    // The SDK answers a delete of a missing entity with 404 instead of throwing.
                    if ((await _table.DeleteEntityAsync(candidate.Partition, candidate.RowKey, etag, ct)).Status == 404)
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

                Forget(candidate.Record.ConnectionId);
                return Removed(wasLive);
            },
            cancellationToken);
    }

    /// <summary>
    /// The row is no longer where the sweep read it: a heartbeat moved it on (<see cref="StaleDisposition.StillLive"/>), or
    /// another sweep or a <c>disconnected</c> removed it (<see cref="StaleDisposition.RemovedElsewhere"/>).
    /// </summary>
    private async Task<StaleDisposition> GoneFromWhereReadAsync(StaleCandidate candidate, DateTimeOffset cutoff, CancellationToken cancellationToken) =>
        await LocateAsync(candidate.ConnectionId, _time.GetUtcNow(), cancellationToken) is { } row
            && row.GetString("State") == Live
            && row.GetDateTimeOffset("LastSeen") > cutoff
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
            Log.StaleBatchFailed(_logger, candidate.Partition, 1, e);
            return StaleDisposition.Failed;
        }
    }

    /// <summary>Settles every batch of <paramref name="candidates"/> as if its answer had been lost; for tests.</summary>
    internal async Task<List<StaleRemoval>> SettleForTestAsync(IReadOnlyList<StaleCandidate> candidates, DateTimeOffset cutoff, CancellationToken cancellationToken) =>
        await SettleAsync(candidates, cutoff, cancellationToken);

    /// <summary>Submits one batch, for tests that interleave a change between the read and the delete.</summary>
    internal async Task<bool> SubmitForTestAsync(IReadOnlyList<StaleCandidate> candidates, CancellationToken cancellationToken) =>
        await SubmitStaleBatchAsync(candidates, cancellationToken) == BatchOutcome.Removed;

    /// <summary>
    /// One transaction, through the registry's pipeline. <see cref="BatchOutcome.Refused"/> when the service refused it
    /// (412, 404: a row changed or vanished meanwhile) and no earlier attempt can have committed.
    /// <see cref="BatchOutcome.Uncertain"/> when an earlier attempt's answer was lost (a timeout, a network failure, a
    /// server error) and the batch then failed or was refused: that attempt may have committed. Throttling (429) is a
    /// definite no.
    /// </summary>
    private async Task<BatchOutcome> SubmitStaleBatchAsync(IReadOnlyList<StaleCandidate> batch, CancellationToken cancellationToken)
    {
        var mayHaveCommitted = false;
        try
        {
            return await RunAsync(
                async ct =>
                {
                    try
                    {
                        await _table.SubmitTransactionAsync(batch.Select(c => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(c.Partition, c.RowKey), c.ETag)), ct);
                    }
                    catch (TableTransactionFailedException e) when (e.Status is 404 or 412)
                    {
                        return mayHaveCommitted ? BatchOutcome.Uncertain : BatchOutcome.Refused;
                    }
                    catch (Exception e)
                    {
                        mayHaveCommitted |= e is not RequestFailedException { Status: 429 };
                        throw;
                    }

                    foreach (var c in batch)
                    {
                        Forget(c.Record.ConnectionId);
                    }

                    return BatchOutcome.Removed;
                },
                cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            Log.StaleBatchFailed(_logger, batch[0].Partition, batch.Count, e);
            return mayHaveCommitted ? BatchOutcome.Uncertain : BatchOutcome.Refused;
        }
    }

    /// <summary>
    /// Settles a batch that may have committed by reading its rows. A transaction is atomic: if any of its rows is still
    /// there, it did not commit, and none is counted here (the caller checks each one on its own). If every row is gone,
    /// it most likely committed; a connection found alive elsewhere (a heartbeat moved its row) is kept all the same.
    /// </summary>
    private async Task<List<StaleRemoval>> SettleAsync(IReadOnlyList<StaleCandidate> batch, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var candidate in batch)
            {
                if (await RunAsync(async ct => await ReadAsync(candidate.Partition, candidate.RowKey, ct) is not null, cancellationToken))
                {
                    return [];
                }
            }
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            Log.StaleBatchFailed(_logger, batch[0].Partition, batch.Count, e);
            return [];
        }

        // Every row is gone: most likely this batch's lost attempt. But a heartbeat may have moved a row on (and the
        // attempt then failed): a connection found alive elsewhere stays, and is not closed.
        var settled = new List<StaleRemoval>(batch.Count);
        foreach (var candidate in batch)
        {
            Forget(candidate.Record.ConnectionId);
            try
            {
                settled.Add(candidate.WasLive && await RunAsync(ct => GoneFromWhereReadAsync(candidate, cutoff, ct), cancellationToken) == StaleDisposition.StillLive
                    ? new StaleRemoval(candidate, StaleDisposition.StillLive)
                    : RemovedOutcome(candidate));
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                Log.StaleBatchFailed(_logger, candidate.Partition, 1, e);
                settled.Add(new StaleRemoval(candidate, StaleDisposition.Failed));
            }
        }

        return settled;
    }

    private static StaleRemoval RemovedOutcome(StaleCandidate candidate) => new(candidate, Removed(candidate.WasLive));

    private static StaleDisposition Removed(bool wasLive) => wasLive ? StaleDisposition.RemovedStale : StaleDisposition.RemovedTombstone;

    /// <summary>
    /// Writes, for each connection, exactly the row <see cref="RegisterAsync"/> writes for a connection registered at its
    /// <see cref="SeedConnection.LastSeen"/>, in entity-group transactions per partition of
    /// <see cref="MaxBatchOperations"/> rows, up to <paramref name="parallelism"/> at a time. Insert only: a connection
    /// that already exists fails its batch. The connections are not remembered by this instance (as if another instance
    /// had registered them). For benchmarks and tests.
    /// </summary>
    internal async Task SeedAsync(IEnumerable<SeedConnection> connections, int parallelism, CancellationToken cancellationToken)
    {
        var batches = connections
            .GroupBy(c => Partition(c.ConnectionId), StringComparer.Ordinal)
            .SelectMany(shard => shard.Chunk(MaxBatchOperations).Select(chunk => chunk
                .Select(c => new TableTransactionAction(TableTransactionActionType.Add, NewRow(shard.Key, EpochStart(c.LastSeen), c.ConnectionId, c.Hub, c.UserId, c.LastSeen, c.LastSeen, Live)))
                .ToList()));

        await Parallel.ForEachAsync(
            batches,
            new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken },
            async (batch, ct) => await RunAsync(async token => await _table.SubmitTransactionAsync(batch, token), ct));
    }

    /// <summary>The shard partition of a connection.</summary>
    internal string PartitionOf(string connectionId) => Partition(connectionId);

    private sealed record PageRead(int Shard, StalePage Page, string? Next);

    private enum BatchOutcome
    {
        Removed,
        Refused,
        Uncertain,
    }
}

/// <summary>A page of <see cref="ConnectionRegistry.FindStaleAsync"/>: stale rows of one partition, or the error that stopped its read.</summary>
/// <param name="Partition">The shard partition.</param>
/// <param name="Candidates">Its rows last seen at or before the cutoff (up to 1,000).</param>
/// <param name="Error">Why the partition could not be read (after the registry's retries), or null.</param>
public sealed record StalePage(string Partition, IReadOnlyList<StaleCandidate> Candidates, Exception? Error);

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

/// <summary>A candidate and what <see cref="ConnectionRegistry.RemoveStaleAsync"/> did with it.</summary>
/// <param name="Candidate">The candidate.</param>
/// <param name="Disposition">The outcome.</param>
public sealed record StaleRemoval(StaleCandidate Candidate, StaleDisposition Disposition);

/// <summary>Outcomes of a stale removal.</summary>
public enum StaleDisposition
{
    /// <summary>A live connection was stale and is removed.</summary>
    RemovedStale,

    /// <summary>A tombstone (already disconnected) aged out and is removed.</summary>
    RemovedTombstone,

    /// <summary>The connection was seen after the cutoff meanwhile (a heartbeat landed during the sweep): kept.</summary>
    StillLive,

    /// <summary>Another sweep (or a <c>disconnected</c>) removed it first: not counted here.</summary>
    RemovedElsewhere,

    /// <summary>Storage failed for this candidate; the next sweep tries again.</summary>
    Failed,
}

/// <summary>A connection to bulk-load: as registered at <paramref name="LastSeen"/>.</summary>
/// <param name="Hub">The hub.</param>
/// <param name="ConnectionId">The connection.</param>
/// <param name="UserId">The user, if any.</param>
/// <param name="LastSeen">When it registered (and was last seen).</param>
internal readonly record struct SeedConnection(string Hub, string ConnectionId, string? UserId, DateTimeOffset LastSeen);
