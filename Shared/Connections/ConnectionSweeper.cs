using System.Threading.Channels;
using FunctionsDashboard.Observability;
using FunctionsDashboard.Options;
using FunctionsDashboard.SignalR;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Connections;

/// <summary>
/// The safety net for lost <c>disconnected</c> calls (the Service never retries upstream): removes connections not seen
/// for <see cref="DashboardOptions.StaleTimeout"/>, closes them through the REST API (reason "stale") and pushes
/// <c>presence</c>. Reads only rows that can be stale (per partition one query of the key range of old epochs) and
/// removes them in ETag-conditional entity-group transactions, checking one by one only those that changed meanwhile.
/// Closes go out as removals come in, so the REST calls overlap the deletes. Safe when sweeps
/// overlap, within an instance (one at a time; a second trigger is skipped) or across instances (ETag-conditional
/// removal, nothing counted twice); a heartbeat that lands during the sweep keeps its connection. Each run is logged
/// and recorded for <c>GET /api/connections</c>. The reading, removing and recording are the
/// <see cref="StaleConnectionScanner"/>'s (one walk); the sweeper counts, closes and notifies.
/// </summary>
public sealed partial class ConnectionSweeper(
    StaleConnectionScanner scanner,
    IConnectionCloser closer,
    PresenceNotifier presence,
    IOptions<DashboardOptions> options,
    TimeProvider timeProvider,
    ILogger<ConnectionSweeper> logger)
{
    /// <summary>Reason given to the Service when closing a stale connection.</summary>
    public const string CloseReason = "stale";

    private const int CloseParallelism = 16;
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
    public Task<SweepResult?> LastSweepAsync(CancellationToken cancellationToken) => scanner.LastSweepAsync(cancellationToken);

    private async Task<SweepResult> RunAsync(CancellationToken cancellationToken)
    {
        var started = timeProvider.GetTimestamp();
        var startedAt = timeProvider.GetUtcNow();
        var cutoff = startedAt - options.Value.StaleTimeout;
        int scanned = 0, removed = 0, failed = 0, tombstones = 0;
        var closes = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleWriter = true });
        var closing = CloseAllAsync(closes.Reader, cancellationToken);
        try
        {
            await foreach (var page in scanner.SweepAsync(cutoff, cancellationToken))
            {
                if (page.Error is not null)
                {
                    // Logged by the scanner; this shard waits for the next sweep, the others go on.
                    failed++;
                    continue;
                }

                scanned += page.Scanned;
                foreach (var outcome in page.Removals)
                {
                    switch (outcome.Disposition)
                    {
                        case StaleDisposition.RemovedStale:
                            removed++;
                            closes.Writer.TryWrite(outcome.Candidate.ConnectionId);
                            break;
                        case StaleDisposition.RemovedTombstone:
                            tombstones++;
                            break;
                        case StaleDisposition.Failed:
                            failed++;
                            break;
                    }
                }
            }
        }
        finally
        {
            closes.Writer.TryComplete();
        }

        var (closed, closeFailures) = await closing;
        failed += closeFailures;
        if (removed > 0)
        {
            // Counted and pushed by the notifier within its period, coalesced with connects and disconnects.
            presence.Notify();
        }

        var result = new SweepResult(startedAt, cutoff, scanned, removed, closed, failed, tombstones, timeProvider.GetElapsedTime(started).TotalMilliseconds);
        await RecordAsync(result, cancellationToken);
        Log.Swept(logger, scanned, removed, closed, failed, tombstones, result.DurationMs);
        DashboardMetrics.RecordSweep(result.DurationMs, removed);
        return result;
    }

    /// <summary>Closes the removed connections through the REST API as they come, <see cref="CloseParallelism"/> at a time.</summary>
    private async Task<(int Closed, int Failed)> CloseAllAsync(ChannelReader<string> removed, CancellationToken cancellationToken)
    {
        int closed = 0, failed = 0;
        await Parallel.ForEachAsync(
            removed.ReadAllAsync(cancellationToken),
            new ParallelOptions { MaxDegreeOfParallelism = CloseParallelism, CancellationToken = cancellationToken },
            async (connectionId, ct) =>
            {
                try
                {
                    if (await closer.CloseConnectionAsync(connectionId, CloseReason, ct))
                    {
                        Interlocked.Increment(ref closed);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    Interlocked.Increment(ref failed);
                    Log.CloseFailed(logger, connectionId, e);
                }
            });

        return (closed, failed);
    }

    private async Task RecordAsync(SweepResult result, CancellationToken cancellationToken)
    {
        try
        {
            await scanner.RecordAsync(result, cancellationToken);
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

        [LoggerMessage(EventId = 4203, EventName = "SweepCloseFailed", Level = LogLevel.Warning, Message = "Sweep removed connection {ConnectionId} but could not close it")]
        public static partial void CloseFailed(ILogger logger, string connectionId, Exception exception);

        [LoggerMessage(EventId = 4205, EventName = "SweepRecordFailed", Level = LogLevel.Warning, Message = "Sweep could not record its result")]
        public static partial void RecordFailed(ILogger logger, Exception exception);
    }
}
