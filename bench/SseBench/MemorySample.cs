using System.Diagnostics;
using System.Globalization;
using System.Runtime;

namespace FunctionsDashboard.SseBench;

/// <summary>
/// The server's memory after a full, blocking, compacting collection (LOH included), plus how many connections and
/// requests Kestrel holds at that moment (so the load generator can check that every client is still connected).
/// </summary>
/// <param name="ManagedHeapBytes"><see cref="GC.GetTotalMemory(bool)"/> with a forced collection: live managed bytes.</param>
/// <param name="GcHeapSizeBytes"><see cref="GCMemoryInfo.HeapSizeBytes"/> of that last collection (includes fragmentation).</param>
/// <param name="WorkingSetBytes">The process working set (resident set, VmRSS).</param>
/// <param name="PrivateBytes">Private resident memory (Linux RssAnon: anonymous pages, the managed heap and native allocations).</param>
/// <param name="ActiveConnections">Kestrel's <c>kestrel.active_connections</c> (includes the diagnostics request's own).</param>
/// <param name="ActiveRequests">Hosting's <c>http.server.active_requests</c> (includes the diagnostics request itself).</param>
public sealed record MemorySample(
    long ManagedHeapBytes,
    long GcHeapSizeBytes,
    long WorkingSetBytes,
    long PrivateBytes,
    long ActiveConnections,
    long ActiveRequests)
{
    /// <summary>Collects everything that can be collected, then reads the counters.</summary>
    public static MemorySample Capture(long activeConnections, long activeRequests)
    {
        for (var i = 0; i < 2; i++)
        {
            GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        var managed = GC.GetTotalMemory(forceFullCollection: true);
        var info = GC.GetGCMemoryInfo(GCKind.Any);
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return new MemorySample(managed, info.HeapSizeBytes, process.WorkingSet64, ReadRssAnon() ?? process.PrivateMemorySize64, activeConnections, activeRequests);
    }

    /// <summary>RssAnon from /proc/self/status in bytes, or null off Linux.</summary>
    private static long? ReadRssAnon()
    {
        const string path = "/proc/self/status";
        if (!File.Exists(path))
        {
            return null;
        }

        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith("RssAnon:", StringComparison.Ordinal))
            {
                var kib = line["RssAnon:".Length..].Trim().Split(' ')[0];
                return long.Parse(kib, CultureInfo.InvariantCulture) * 1024;
            }
        }

        return null;
    }
}
