using System.Diagnostics;

namespace FunctionsDashboard.Bench.Common;

/// <summary>A closed-loop load generator: <c>concurrency</c> workers, each sending its next operation when the last one ended.</summary>
internal static class ClosedLoop
{
    // One sequence for the whole process, so no two operations of any run share keys or ids.
    private static long _sequence;

    /// <summary>Failures seen while measuring, by kind (storage status and error code, or exception type).</summary>
    public static System.Collections.Concurrent.ConcurrentDictionary<string, int> Errors { get; } = new();

    /// <summary>Runs <paramref name="operation"/> (worker, sequence number → success) for the warm-up, then measures for the duration.</summary>
    public static async Task<LoadResult> RunAsync(string workload, int concurrency, TimeSpan warmup, TimeSpan duration, Func<int, long, Task<bool>> operation)
    {
        await RunPhaseAsync(concurrency, warmup, operation, () => Interlocked.Increment(ref _sequence), record: null);

        var latencies = new List<double>[concurrency];
        var failures = 0;
        var started = Stopwatch.GetTimestamp();
        await RunPhaseAsync(concurrency, duration, operation, () => Interlocked.Increment(ref _sequence), (worker, ms, ok) =>
        {
            (latencies[worker] ??= []).Add(ms);
            if (!ok)
            {
                Interlocked.Increment(ref failures);
            }
        });
        var elapsed = Stopwatch.GetElapsedTime(started);
        return new LoadResult(workload, concurrency, elapsed, [.. latencies.Where(l => l is not null).SelectMany(l => l)], failures);
    }

    private static Task RunPhaseAsync(int concurrency, TimeSpan length, Func<int, long, Task<bool>> operation, Func<long> next, Action<int, double, bool>? record)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(length.TotalSeconds * Stopwatch.Frequency);
        return Task.WhenAll(Enumerable.Range(0, concurrency).Select(worker => Task.Run(async () =>
        {
            while (Stopwatch.GetTimestamp() < deadline)
            {
                var start = Stopwatch.GetTimestamp();
                bool ok;
                try
                {
                    ok = await operation(worker, next());
                }
                catch (Exception e)
                {
                    ok = false;
                    if (record is not null)
                    {
                        Errors.AddOrUpdate(e is Azure.RequestFailedException r ? $"{r.Status} {r.ErrorCode}" : e.GetType().Name, 1, (_, n) => n + 1);
                    }
                }

                record?.Invoke(worker, Stopwatch.GetElapsedTime(start).TotalMilliseconds, ok);
            }
        })));
    }
}
