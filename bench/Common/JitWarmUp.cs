using System.Diagnostics;
using System.Globalization;
using System.Runtime;

namespace FunctionsDashboard.Bench.Common;

/// <summary>
/// Warm-up until the JIT is quiet. A freshly started app under load spends its first tens of seconds compiling: every hot
/// method is compiled again at tier 1 (tiered compilation, dynamic PGO), on the same cores the load runs on. In DeliveryBench
/// that was 2–4 s of JIT time per 5 s for the first ~25 s of DevHost's load (dotnet-counters, 2026-12-03), so a fixed 3 s
/// warm-up measured the rows in the middle of it. A server that has been up for a while has none of it, and neither has the
/// small bare baseline after its own warm-up, so rows are measured only once the process compiles almost nothing.
/// </summary>
internal static class JitWarmUp
{
    /// <summary>The share of a round's wall time spent compiling below which the process counts as warm.</summary>
    public const double QuietShare = 0.02;

    /// <summary>
    /// Runs <paramref name="round"/> (round number) until one round spends less than <see cref="QuietShare"/> of its wall time
    /// in the JIT, at most <paramref name="maxRounds"/> times; each round's JIT share goes to stderr. <paramref name="jitTime"/>
    /// is the JIT time so far of the processes that count (default: this process, <see cref="JitInfo"/>).
    /// </summary>
    public static async Task<string> UntilQuietAsync(Func<int, Task> round, int maxRounds = 12, Func<TimeSpan>? jitTime = null)
    {
        jitTime ??= static () => JitInfo.GetCompilationTime();
        var total = Stopwatch.StartNew();
        var jitBefore = jitTime();
        for (var i = 0; i < maxRounds; i++)
        {
            var roundJit = jitTime();
            var roundStart = Stopwatch.GetTimestamp();
            await round(i);
            var compiled = jitTime() - roundJit;
            var elapsed = Stopwatch.GetElapsedTime(roundStart);
            var share = compiled / elapsed;
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"warm-up round {i + 1}: JIT {compiled.TotalMilliseconds:0} ms of {elapsed.TotalSeconds:0.0} s ({share:P1})"));
            if (share < QuietShare)
            {
                return Summary(i + 1, total.Elapsed, jitTime() - jitBefore, quiet: true);
            }
        }

        return Summary(maxRounds, total.Elapsed, jitTime() - jitBefore, quiet: false);
    }

    private static string Summary(int rounds, TimeSpan elapsed, TimeSpan jit, bool quiet)
    {
        var end = quiet
            ? string.Create(CultureInfo.InvariantCulture, $"the last under {QuietShare:P0} JIT")
            : string.Create(CultureInfo.InvariantCulture, $"still over {QuietShare:P0} JIT after {rounds} rounds (measured anyway)");
        return string.Create(CultureInfo.InvariantCulture, $"warm-up: {rounds} round(s), {elapsed.TotalSeconds:0} s, {jit.TotalSeconds:0.0} s of JIT; {end}");
    }
}

/// <summary>The JIT time and the GC pauses of this process (all threads) since <see cref="Start"/>: what a measured row shared its cores with.</summary>
internal readonly struct RuntimeMeter
{
    private readonly TimeSpan _jit;
    private readonly TimeSpan _paused;
    private readonly int _gen0;
    private readonly int _gen1;
    private readonly int _gen2;

    private RuntimeMeter(TimeSpan jit, TimeSpan paused, int gen0, int gen1, int gen2) =>
        (_jit, _paused, _gen0, _gen1, _gen2) = (jit, paused, gen0, gen1, gen2);

    public static RuntimeMeter Start() =>
        new(JitInfo.GetCompilationTime(), GC.GetTotalPauseDuration(), GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));

    public TimeSpan Compiled => JitInfo.GetCompilationTime() - _jit;

    public TimeSpan Paused => GC.GetTotalPauseDuration() - _paused;

    public string Note => string.Create(CultureInfo.InvariantCulture, $"JIT {Compiled.TotalMilliseconds:0} ms, GC pauses {Paused.TotalMilliseconds:0} ms ({GC.CollectionCount(0) - _gen0} / {GC.CollectionCount(1) - _gen1} / {GC.CollectionCount(2) - _gen2} collections of gen 0 / 1 / 2) in the row");
}
