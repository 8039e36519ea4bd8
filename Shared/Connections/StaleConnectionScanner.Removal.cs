using Azure;
using Azure.Data.Tables;

namespace FunctionsDashboard.Connections;

// Removing stale candidates: ETag-conditional entity-group transactions, settled by reading when an answer was lost, then one by one.
public sealed partial class StaleConnectionScanner
{
    /// <summary>Operations per entity-group transaction: the service's limit.</summary>
    internal const int MaxBatchOperations = 100;

    /// <summary>
    /// Entity-group transactions of one partition in flight at once. Few: each deletes up to 100 rows, and one that
    /// waits behind many others can outlive its per-try timeout (then its outcome has to be settled by reading).
    /// </summary>
    private const int BatchParallelism = 2;

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
}
