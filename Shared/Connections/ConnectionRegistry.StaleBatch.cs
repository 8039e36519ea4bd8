using Azure;
using Azure.Data.Tables;

namespace FunctionsDashboard.Connections;

/// <summary>The sweep's batch path: many stale candidates of one partition removed together.</summary>
public sealed partial class ConnectionRegistry
{
    /// <summary>
    /// Below this many candidates in a partition the batch path is not worth its query: each candidate is checked on its
    /// own (<see cref="TryRemoveStaleAsync"/>, two requests).
    /// </summary>
    internal const int MinCandidatesForBatch = 8;

    /// <summary>
    /// Entity-group transactions of one partition in flight at once. Few: each deletes up to 100 rows, and one that
    /// waits behind many others can outlive its per-try timeout (then its outcome has to be settled by reading).
    /// </summary>
    private const int BatchParallelism = 2;

    /// <summary>
    /// Removes stale candidates of one partition together: one query reads that partition's stale connection rows
    /// (last seen at or before <paramref name="cutoff"/>, with their ETags) instead of one read per candidate, and they
    /// are deleted with their index rows in ETag-conditional entity-group transactions (up to 100 operations). The same
    /// guarantees as <see cref="TryRemoveStaleAsync"/>: a batch in which any row changed meanwhile (a heartbeat, an
    /// overlapping sweep) fails as a whole, and its candidates are handed back; a batch whose answer was lost is settled
    /// by reading its rows. Candidates whose row is not stale (it
    /// must be re-indexed), is missing or is not found by the query are handed back too, as are all of them when the
    /// partition has fewer than <see cref="MinCandidatesForBatch"/>: the caller checks those one by one with
    /// <see cref="TryRemoveStaleAsync"/>.
    /// </summary>
    /// <param name="candidates">Candidates of one partition, from <see cref="FindStaleCandidatesAsync"/>.</param>
    /// <param name="cutoff">Connections last seen at or before this are stale.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    public async Task<StaleBatchOutcome> TryRemoveStaleBatchAsync(IReadOnlyList<StaleCandidate> candidates, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        if (candidates.Count < MinCandidatesForBatch)
        {
            return new StaleBatchOutcome([], candidates);
        }

        var partition = candidates[0].Partition;
        if (candidates.Any(c => c.Partition != partition))
        {
            throw new ArgumentException("The candidates of one batch must share a partition.", nameof(candidates));
        }

        var stale = await RunAsync(ct => QueryStaleRowsAsync(partition, cutoff, ct), cancellationToken);
        var (batches, remaining) = PlanStaleBatches(candidates, stale);
        var removed = new List<StaleRemoval>(candidates.Count);
        await Parallel.ForEachAsync(
            batches,
            new ParallelOptions { MaxDegreeOfParallelism = BatchParallelism, CancellationToken = cancellationToken },
            async (batch, ct) =>
            {
                var (gone, left) = await SubmitStaleBatchAsync(batch, ct) switch
                {
                    BatchOutcome.Removed => (batch.Select(r => r.Removal).ToList(), []),
                    BatchOutcome.Refused => ([], batch.Select(r => r.Removal.Candidate).ToList()),
                    _ => await SettleUncertainAsync(batch, ct),
                };
                lock (removed)
                {
                    removed.AddRange(gone);
                    remaining.AddRange(left);
                }
            });

        return new StaleBatchOutcome(removed, remaining);
    }

    /// <summary>
    /// The partition's connection rows last seen at or before <paramref name="cutoff"/>, by row key. The filter is only a
    /// narrowing (Azurite compares datetimes to the millisecond): each row is checked again here, to the tick.
    /// </summary>
    internal async Task<Dictionary<string, TableEntity>> QueryStaleRowsAsync(string partition, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {ConnectionPrefix} and RowKey lt {ConnectionPrefixEnd} and LastSeen le {cutoff}");
        var rows = new Dictionary<string, TableEntity>(StringComparer.Ordinal);
        await foreach (var row in _table.QueryAsync<TableEntity>(filter, maxPerPage: 1000, cancellationToken: cancellationToken))
        {
            if (row.GetDateTimeOffset("LastSeen") is { } seen && seen <= cutoff)
            {
                rows[row.RowKey] = row;
            }
        }

        return rows;
    }

    /// <summary>Deletes the planned stale rows of <paramref name="stale"/> (from <see cref="QueryStaleRowsAsync"/>); for tests that interleave a heartbeat.</summary>
    internal async Task<StaleBatchOutcome> RemoveStaleRowsAsync(IReadOnlyList<StaleCandidate> candidates, Dictionary<string, TableEntity> stale, CancellationToken cancellationToken)
    {
        var (batches, remaining) = PlanStaleBatches(candidates, stale);
        var removed = new List<StaleRemoval>();
        foreach (var batch in batches)
        {
            switch (await SubmitStaleBatchAsync(batch, cancellationToken))
            {
                case BatchOutcome.Removed:
                    removed.AddRange(batch.Select(r => r.Removal));
                    break;
                case BatchOutcome.Refused:
                    remaining.AddRange(batch.Select(r => r.Removal.Candidate));
                    break;
                default:
                    var (gone, left) = await SettleUncertainAsync(batch, cancellationToken);
                    removed.AddRange(gone);
                    remaining.AddRange(left);
                    break;
            }
        }

        return new StaleBatchOutcome(removed, remaining);
    }

    /// <summary>Settles every planned batch as if its answer had been lost; for tests.</summary>
    internal async Task<StaleBatchOutcome> SettleStaleRowsAsync(IReadOnlyList<StaleCandidate> candidates, Dictionary<string, TableEntity> stale, CancellationToken cancellationToken)
    {
        var (batches, remaining) = PlanStaleBatches(candidates, stale);
        var removed = new List<StaleRemoval>();
        foreach (var batch in batches)
        {
            var (gone, left) = await SettleUncertainAsync(batch, cancellationToken);
            removed.AddRange(gone);
            remaining.AddRange(left);
        }

        return new StaleBatchOutcome(removed, remaining);
    }

    /// <summary>
    /// Groups the candidates whose row is stale into transactions of at most <see cref="MaxBatchOperations"/> operations,
    /// one connection never split: its row (conditional on the ETag the query saw), its index row, and the candidate's
    /// index row when that is an older duplicate. Everything else is handed back.
    /// </summary>
    private static (List<List<PlannedRemoval>> Batches, List<StaleCandidate> Remaining) PlanStaleBatches(IReadOnlyList<StaleCandidate> candidates, Dictionary<string, TableEntity> stale)
    {
        var batches = new List<List<PlannedRemoval>>();
        var remaining = new List<StaleCandidate>();
        var taken = new HashSet<string>(StringComparer.Ordinal);
        var current = new List<PlannedRemoval>();
        var operations = 0;
        foreach (var candidate in candidates)
        {
            var key = ConnectionKey(candidate.ConnectionId);
            if (!stale.TryGetValue(key, out var row) || !taken.Add(key))
            {
                remaining.Add(candidate);
                continue;
            }

            var index = IndexKey(row);
            var actions = new List<TableTransactionAction>(3)
            {
                new(TableTransactionActionType.Delete, row, row.ETag),
                new(TableTransactionActionType.Delete, new TableEntity(row.PartitionKey, index), ETag.All),
            };
            if (candidate.IndexKey != index)
            {
                actions.Add(new(TableTransactionActionType.Delete, new TableEntity(row.PartitionKey, candidate.IndexKey), ETag.All));
            }

            if (operations + actions.Count > MaxBatchOperations)
            {
                batches.Add(current);
                current = [];
                operations = 0;
            }

            var disposition = row.GetString("State") == Live ? StaleDisposition.RemovedStale : StaleDisposition.RemovedTombstone;
            current.Add(new PlannedRemoval(new StaleRemoval(candidate, new StaleOutcome(disposition, ToRecord(row, candidate.ConnectionId))), actions));
            operations += actions.Count;
        }

        if (current.Count > 0)
        {
            batches.Add(current);
        }

        return (batches, remaining);
    }

    /// <summary>
    /// One transaction, through the registry's pipeline. <see cref="BatchOutcome.Refused"/> when the service refused its
    /// first attempt (412, 404: a row changed or vanished meanwhile), so nothing was deleted.
    /// <see cref="BatchOutcome.Uncertain"/> when an attempt's answer was lost (a timeout, a transient failure) and the
    /// batch then failed or was refused: that attempt may have committed.
    /// </summary>
    private async Task<BatchOutcome> SubmitStaleBatchAsync(List<PlannedRemoval> batch, CancellationToken cancellationToken)
    {
        var attempts = 0;
        try
        {
            return await RunAsync(
                async ct =>
                {
                    try
                    {
                        attempts++;
                        await _table.SubmitTransactionAsync(batch.SelectMany(r => r.Actions), ct);
                    }
                    catch (TableTransactionFailedException e) when (e.Status is 404 or 412)
                    {
                        return attempts == 1 ? BatchOutcome.Refused : BatchOutcome.Uncertain;
                    }

                    foreach (var r in batch)
                    {
                        _indexedAt.TryRemove(r.Removal.Candidate.ConnectionId, out _);
                    }

                    return BatchOutcome.Removed;
                },
                cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            Log.StaleBatchFailed(_logger, batch[0].Removal.Candidate.Partition, batch.Count, e);
            return BatchOutcome.Uncertain;
        }
    }

    /// <summary>
    /// Settles a batch that may have committed by reading its connection rows: a row that is gone was removed by this
    /// sweep's lost attempt (or, in the same instant, by an overlapping sweep; then both count and close it, and a
    /// second close is harmless); a row still there is handed back to be checked on its own.
    /// </summary>
    private async Task<(List<StaleRemoval> Removed, List<StaleCandidate> Remaining)> SettleUncertainAsync(List<PlannedRemoval> batch, CancellationToken cancellationToken)
    {
        var removed = new List<StaleRemoval>();
        var remaining = new List<StaleCandidate>();
        foreach (var r in batch)
        {
            var id = r.Removal.Candidate.ConnectionId;
            bool gone;
            try
            {
                gone = await RunAsync(async ct => await ReadAsync(id, ct) is null, cancellationToken);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                Log.StaleBatchFailed(_logger, r.Removal.Candidate.Partition, 1, e);
                gone = false;
            }

            if (gone)
            {
                _indexedAt.TryRemove(id, out _);
                removed.Add(r.Removal);
            }
            else
            {
                remaining.Add(r.Removal.Candidate);
            }
        }

        return (removed, remaining);
    }

    private enum BatchOutcome
    {
        Removed,
        Refused,
        Uncertain,
    }

    private sealed record PlannedRemoval(StaleRemoval Removal, List<TableTransactionAction> Actions);
}

/// <summary>A candidate removed by <see cref="ConnectionRegistry.TryRemoveStaleBatchAsync"/>.</summary>
/// <param name="Candidate">The candidate.</param>
/// <param name="Outcome">What was removed (<see cref="StaleDisposition.RemovedStale"/> or <see cref="StaleDisposition.RemovedTombstone"/>).</param>
public sealed record StaleRemoval(StaleCandidate Candidate, StaleOutcome Outcome);

/// <summary>What <see cref="ConnectionRegistry.TryRemoveStaleBatchAsync"/> did.</summary>
/// <param name="Removed">Candidates removed together.</param>
/// <param name="Remaining">Candidates left for <see cref="ConnectionRegistry.TryRemoveStaleAsync"/>, one by one.</param>
public sealed record StaleBatchOutcome(IReadOnlyList<StaleRemoval> Removed, IReadOnlyList<StaleCandidate> Remaining);
