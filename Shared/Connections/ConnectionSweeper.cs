using System.Runtime.CompilerServices;
using System.Text.Json;
using Azure.Data.Tables;
using FunctionsDashboard.Options;
using FunctionsDashboard.SignalR;
using FunctionsDashboard.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Connections;

/// <summary>
/// The safety net for lost <c>disconnected</c> calls (the Service never retries upstream): removes connections not seen
/// for <see cref="DashboardOptions.StaleTimeout"/>, closes them through the REST API (reason "stale") and pushes
/// <c>presence</c>. Reads only index entries that can be stale; a partition with many of them is removed in batches
/// (one query of its stale rows, ETag-conditional entity-group transactions), the rest one by one. Safe when sweeps
/// overlap, within an instance (one at a time; a second trigger is skipped) or across instances (ETag-conditional
/// removal, nothing counted twice); a heartbeat that lands during the sweep keeps its connection. Each run is logged
/// and recorded for <c>GET /api/connections</c>.
/// </summary>
public sealed partial class ConnectionSweeper(
    ConnectionRegistry registry,
    IConnectionCloser closer,
    PresenceNotifier presence,
    DashboardStorage storage,
    IOptions<DashboardOptions> options,
    TimeProvider timeProvider,
    ILogger<ConnectionSweeper> logger)
{
    /// <summary>Reason given to the Service when closing a stale connection.</summary>
    public const string CloseReason = "stale";

    private const int Parallelism = 16;
    private const string MetaPartition = "meta";
    private const string LastSweepRow = "last-sweep";
    private readonly SemaphoreSlim _running = new(1, 1);

    /// <summary>Runs one sweep; returns null when another sweep of this instance is still running.</summary>
    public async Task<SweepResult?> SweepAsync(CancellationToken cancellationToken)
    {
        if (!await _running.WaitAsync(TimeSpan.Zero, cancellationToken))
        {
            Log.Skipped(logger);
            return null;
        }

        try
        {
            return await RunAsync(cancellationToken);
        }
        finally
        {
            _running.Release();
        }
    }

    /// <summary>The last sweep recorded by any instance, or null.</summary>
    public async Task<SweepResult?> LastSweepAsync(CancellationToken cancellationToken)
    {
        var row = await storage.Table(ConnectionRegistryOptions.TableName).GetEntityIfExistsAsync<TableEntity>(MetaPartition, LastSweepRow, cancellationToken: cancellationToken);
        return row.HasValue && row.Value!.GetString("Result") is { } json ? JsonSerializer.Deserialize<SweepResult>(json, JsonSerializerOptions.Web) : null;
    }

    private async Task<SweepResult> RunAsync(CancellationToken cancellationToken)
    {
        var started = timeProvider.GetTimestamp();
        var startedAt = timeProvider.GetUtcNow();
        var cutoff = startedAt - options.Value.StaleTimeout;
        int scanned = 0, removed = 0, closed = 0, failed = 0, tombstones = 0;

        await Parallel.ForEachAsync(
            WorkAsync(cutoff, cancellationToken),
            new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken },
            async (item, ct) =>
            {
                var (candidate, batched) = item;
                Interlocked.Increment(ref scanned);
                try
                {
                    var outcome = batched ?? await registry.TryRemoveStaleAsync(candidate, cutoff, ct);
                    switch (outcome.Disposition)
                    {
                        case StaleDisposition.RemovedStale:
                            Interlocked.Increment(ref removed);
                            if (await closer.CloseConnectionAsync(candidate.ConnectionId, CloseReason, ct))
                            {
                                Interlocked.Increment(ref closed);
                            }

                            break;
                        case StaleDisposition.RemovedTombstone:
                            Interlocked.Increment(ref tombstones);
                            break;
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    Interlocked.Increment(ref failed);
                    Log.CandidateFailed(logger, candidate.ConnectionId, e);
                }
            });

        if (removed > 0)
        {
            try
            {
                await presence.PushAsync(cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Log.PresenceFailed(logger, e);
            }
        }

        var result = new SweepResult(startedAt, cutoff, scanned, removed, closed, failed, tombstones, timeProvider.GetElapsedTime(started).TotalMilliseconds);
        await RecordAsync(result, cancellationToken);
        Log.Swept(logger, scanned, removed, closed, failed, tombstones, result.DurationMs);
        return result;
    }

    /// <summary>
    /// The candidates in shard order, each with its outcome when its partition's batch already removed it, or none
    /// when it is still to be checked on its own. A partition's candidates go to the registry's batch path together.
    /// </summary>
    private async IAsyncEnumerable<(StaleCandidate Candidate, StaleOutcome? Outcome)> WorkAsync(DateTimeOffset cutoff, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var partition = new List<StaleCandidate>();
        await foreach (var candidate in registry.FindStaleCandidatesAsync(cutoff, cancellationToken))
        {
            if (partition.Count > 0 && partition[0].Partition != candidate.Partition)
            {
                foreach (var item in await RemoveTogetherAsync(partition, cutoff, cancellationToken))
                {
                    yield return item;
                }

                partition = [];
            }

            partition.Add(candidate);
        }

        foreach (var item in await RemoveTogetherAsync(partition, cutoff, cancellationToken))
        {
            yield return item;
        }
    }

    private async Task<IEnumerable<(StaleCandidate Candidate, StaleOutcome? Outcome)>> RemoveTogetherAsync(List<StaleCandidate> partition, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        if (partition.Count == 0)
        {
            return [];
        }

        try
        {
            var batch = await registry.TryRemoveStaleBatchAsync(partition, cutoff, cancellationToken);
            return batch.Removed.Select(r => (r.Candidate, (StaleOutcome?)r.Outcome)).Concat(batch.Remaining.Select(c => (c, (StaleOutcome?)null)));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Nothing was removed (the partition's query failed): every candidate is checked on its own.
            Log.BatchFailed(logger, partition[0].Partition, partition.Count, e);
            return partition.Select(c => (c, (StaleOutcome?)null));
        }
    }

    private async Task RecordAsync(SweepResult result, CancellationToken cancellationToken)
    {
        try
        {
            var row = new TableEntity(MetaPartition, LastSweepRow) { ["Result"] = JsonSerializer.Serialize(result, JsonSerializerOptions.Web) };
            await storage.Table(ConnectionRegistryOptions.TableName).UpsertEntityAsync(row, TableUpdateMode.Replace, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.RecordFailed(logger, e);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 4201, EventName = "SweepCompleted", Level = LogLevel.Information,
            Message = "Sweep: scanned {Scanned}, removed {Removed}, closed {Closed}, failed {Failed}, tombstones {Tombstones} in {DurationMs:0} ms")]
        public static partial void Swept(ILogger logger, int scanned, int removed, int closed, int failed, int tombstones, double durationMs);

        [LoggerMessage(EventId = 4202, EventName = "SweepSkipped", Level = LogLevel.Information, Message = "Sweep skipped: the previous sweep of this instance is still running")]
        public static partial void Skipped(ILogger logger);

        [LoggerMessage(EventId = 4203, EventName = "SweepCandidateFailed", Level = LogLevel.Warning, Message = "Sweep could not handle connection {ConnectionId}")]
        public static partial void CandidateFailed(ILogger logger, string connectionId, Exception exception);

        [LoggerMessage(EventId = 4204, EventName = "SweepPresenceFailed", Level = LogLevel.Warning, Message = "Sweep could not push presence")]
        public static partial void PresenceFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 4205, EventName = "SweepRecordFailed", Level = LogLevel.Warning, Message = "Sweep could not record its result")]
        public static partial void RecordFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 4206, EventName = "SweepBatchFailed", Level = LogLevel.Warning, Message = "Sweep could not read the stale rows of partition {Partition}; its {Count} candidates are checked one by one")]
        public static partial void BatchFailed(ILogger logger, string partition, int count, Exception exception);
    }
}
