using System.Diagnostics;
using System.Net;

namespace FunctionsDashboard.NegotiateBench;

/// <summary>
/// A closed-loop load generator: <c>concurrency</c> workers each POST, wait for the answer, read it to the end, and POST
/// again, for a fixed window after a warm-up. Same client, same settings for every target.
/// </summary>
internal static class ClosedLoop
{
    public static async Task<double> RequestsPerSecondAsync(HttpClient client, Uri url, int concurrency, TimeSpan window)
    {
        await RunAsync(client, url, concurrency, TimeSpan.FromSeconds(1)); // warm-up: connections, JIT, tiering
        var (count, elapsed) = await RunAsync(client, url, concurrency, window);
        return count / elapsed.TotalSeconds;
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
