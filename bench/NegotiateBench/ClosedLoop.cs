using System.Diagnostics;
using System.Net;

namespace FunctionsDashboard.NegotiateBench;

/// <summary>
/// A closed-loop load generator: <c>concurrency</c> workers each POST, wait for the answer, read it to the end, and POST
/// again, for a fixed window after a warm-up. Same client, same settings for every target.
/// </summary>
internal static class ClosedLoop
{
    /// <summary>
    /// Requests per second over <paramref name="window"/>, with the bytes the whole process allocated per request, its
    /// gen-0 collections per 1,000 requests and its CPU time per request in that window (client and server together: the
    /// client's share is the same for every target, so the difference between targets is the server's). CPU per request
    /// moves far less than the rate on a shared machine.
    /// </summary>
    public static async Task<LoopResult> RequestsPerSecondAsync(HttpClient client, Uri url, int concurrency, TimeSpan window)
    {
        await RunAsync(client, url, concurrency, TimeSpan.FromSeconds(1)); // warm-up: connections, JIT, tiering
        var (bytes, gen0, cpu, pause) = (GC.GetTotalAllocatedBytes(precise: false), GC.CollectionCount(0), Environment.CpuUsage.TotalTime, GC.GetTotalPauseDuration());
        var (count, elapsed) = await RunAsync(client, url, concurrency, window);
        var (bytesAfter, gen0After, cpuAfter, pauseAfter) = (GC.GetTotalAllocatedBytes(precise: false), GC.CollectionCount(0), Environment.CpuUsage.TotalTime, GC.GetTotalPauseDuration());
        var requests = Math.Max(count, 1);
        return new LoopResult(count / elapsed.TotalSeconds, (bytesAfter - bytes) / (double)requests, 1000d * (gen0After - gen0) / requests, (cpuAfter - cpu).TotalMicroseconds / requests, (pauseAfter - pause).TotalMilliseconds / elapsed.TotalSeconds);
    }

    private static async Task<(long Count, TimeSpan Elapsed)> RunAsync(HttpClient client, Uri url, int concurrency, TimeSpan window)
    {
        long count = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (clock.Elapsed < window)
            {
                using var response = await client.PostAsync(url, content: null);
                await response.Content.LoadIntoBufferAsync();
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    throw new InvalidOperationException($"{url} answered {(int)response.StatusCode}");
                }

                Interlocked.Increment(ref count);
            }
        })));
        return (count, clock.Elapsed);
    }
}

/// <summary>One measured window: requests per second; per request the process's allocated bytes, gen-0 GCs (per 1,000) and CPU µs; GC pause ms per second.</summary>
internal readonly record struct LoopResult(double Rate, double BytesPerRequest, double Gen0PerThousand, double CpuMicrosecondsPerRequest, double GcPauseMsPerSecond);
