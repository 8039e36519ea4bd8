namespace FunctionsDashboard.SseBench;

/// <summary>One sample after <see cref="Clients"/> idle clients got their first frame.</summary>
/// <param name="Clients">Idle clients connected.</param>
/// <param name="Sample">The server's memory then.</param>
/// <param name="ConnectSeconds">How long opening the clients added in this step took.</param>
/// <param name="Retries">Handshakes that had to be repeated.</param>
public sealed record StepResult(int Clients, MemorySample Sample, double ConnectSeconds, int Retries);

/// <summary>One server process of one mode in one repetition.</summary>
/// <param name="Repetition">1-based.</param>
/// <param name="Mode">The mode.</param>
/// <param name="Idle">The sample after warm-up, with no client.</param>
/// <param name="Steps">One per client count, ascending.</param>
/// <param name="Held">The sample after holding the largest count idle for <see cref="BenchSettings.Hold"/>; null when skipped.</param>
public sealed record ModeRun(int Repetition, ServerMode Mode, MemorySample Idle, IReadOnlyList<StepResult> Steps, MemorySample? Held)
{
    /// <summary>Bytes per connection that <paramref name="metric"/> grew while the clients were held idle.</summary>
    public double? HoldGrowth(Metric metric) => Held is null ? null : (metric.Read(Held) - metric.Read(Steps[^1].Sample)) / (double)Steps[^1].Clients;

    /// <summary>The fit of <paramref name="metric"/> against the client count.</summary>
    public LinearFit Fit(Metric metric) => LinearFit.Of(Steps.Select(s => ((double)s.Clients, (double)metric.Read(s.Sample))).ToList());
}

/// <summary>A memory figure the bench fits.</summary>
/// <param name="Name">As the report names it.</param>
/// <param name="Read">Reads it from a sample.</param>
public sealed record Metric(string Name, Func<MemorySample, long> Read)
{
    /// <summary>Managed heap (the P4 goal's metric), GC heap size, working set, private bytes.</summary>
    public static readonly IReadOnlyList<Metric> All =
    [
        new("managed heap", s => s.ManagedHeapBytes),
        new("GC heap size", s => s.GcHeapSizeBytes),
        new("working set", s => s.WorkingSetBytes),
        new("private (RssAnon)", s => s.PrivateBytes),
    ];

    /// <summary>The goal's metric.</summary>
    public static Metric ManagedHeap => All[0];
}

/// <summary>The slopes of one metric of one mode over the repetitions.</summary>
/// <param name="Mode">The mode.</param>
/// <param name="Metric">The metric.</param>
/// <param name="Slopes">Bytes per connection, one per repetition.</param>
/// <param name="MinRSquared">The worst fit.</param>
public sealed record SlopeSummary(ServerMode Mode, Metric Metric, IReadOnlyList<double> Slopes, double MinRSquared)
{
    /// <summary>The median slope.</summary>
    public double Median
    {
        get
        {
            var sorted = Slopes.Order().ToArray();
            return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
        }
    }

    /// <summary>The smallest slope.</summary>
    public double Min => Slopes.Min();

    /// <summary>The largest slope.</summary>
    public double Max => Slopes.Max();

    /// <summary>(max − min) / median: how far the figure moved between repetitions.</summary>
    public double Spread => Median == 0 ? 0 : (Max - Min) / Math.Abs(Median);

    /// <summary>Summarizes <paramref name="runs"/> of <paramref name="mode"/>.</summary>
    public static SlopeSummary Of(ServerMode mode, Metric metric, IEnumerable<ModeRun> runs)
    {
        var fits = runs.Where(r => r.Mode == mode).OrderBy(r => r.Repetition).Select(r => r.Fit(metric)).ToList();
        return new SlopeSummary(mode, metric, fits.Select(f => f.Slope).ToList(), fits.Min(f => f.RSquared));
    }
}
