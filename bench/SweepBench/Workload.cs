
namespace FunctionsDashboard.Bench;

/// <summary>
/// The seeded connections: random 22-character ids (the shape of SignalR connection ids), so they spread over the
/// shards by the registry's own hash; exactly <see cref="StaleCount"/> of them last seen before the cutoff.
/// </summary>
internal sealed class Workload
{
    private const string IdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    private Workload(List<SeedConnection> connections, List<string> stale, List<string> fresh, DateTimeOffset cutoff)
    {
        Connections = connections;
        Stale = stale;
        Fresh = fresh;
        Cutoff = cutoff;
    }

    public IReadOnlyList<SeedConnection> Connections { get; }

    public IReadOnlyList<string> Stale { get; }

    public IReadOnlyList<string> Fresh { get; }

    public int StaleCount => Stale.Count;

    /// <summary>Connections last seen at or before this are stale (now − stale timeout).</summary>
    public DateTimeOffset Cutoff { get; }

    /// <param name="count">Connections.</param>
    /// <param name="staleCount">How many are stale (spread evenly over the sequence, so over the shards).</param>
    /// <param name="now">The clock at the sweep.</param>
    /// <param name="staleTimeout">The stale timeout.</param>
    /// <param name="seed">Random seed (ids and times).</param>
    public static Workload Create(int count, int staleCount, DateTimeOffset now, TimeSpan staleTimeout, int seed)
    {
        var random = new Random(seed);
        var cutoff = now - staleTimeout;
        var connections = new List<SeedConnection>(count);
        var stale = new List<string>(staleCount);
        var fresh = new List<string>(count - staleCount);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            string id;
            do
            {
                id = string.Create(22, random, static (span, r) =>
                {
                    for (var k = 0; k < span.Length; k++)
                    {
                        span[k] = IdAlphabet[r.Next(IdAlphabet.Length)];
                    }
                });
            }
            while (!ids.Add(id));

            var isStale = (long)i * staleCount % count < staleCount;
            var lastSeen = isStale
                ? cutoff - TimeSpan.FromMilliseconds(1 + random.Next(600_000))      // 1 ms to 10 min past the cutoff
                : now - TimeSpan.FromMilliseconds(random.Next(60_000));             // within the last minute
            connections.Add(new SeedConnection("dashboard", id, "user-" + (i % 5_000), lastSeen));
            (isStale ? stale : fresh).Add(id);
        }

        return new Workload(connections, stale, fresh, cutoff);
    }
}
