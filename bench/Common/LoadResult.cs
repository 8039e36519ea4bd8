using System.Globalization;

namespace FunctionsDashboard.Bench.Common;

/// <summary>Latencies (ms) and failures of one closed-loop run.</summary>
internal sealed class LoadResult(string workload, int concurrency, TimeSpan elapsed, List<double> latencies, int failures)
{
    public string Workload { get; } = workload;

    public int Concurrency { get; } = concurrency;

    public int Count => latencies.Count;

    public int Failures { get; } = failures;

    public double PerSecond => latencies.Count / elapsed.TotalSeconds;

    public double Percentile(double p)
    {
        if (latencies.Count == 0)
        {
            return double.NaN;
        }

        latencies.Sort();
        var rank = (int)Math.Ceiling(p / 100 * latencies.Count) - 1;
        return latencies[Math.Clamp(rank, 0, latencies.Count - 1)];
    }

    public string Row(string? note = null) => string.Create(
        CultureInfo.InvariantCulture,
        $"| {Workload} | {Concurrency} | {Count} | {Failures} | {PerSecond:0} | {Percentile(50):0.00} | {Percentile(90):0.00} | {Percentile(99):0.00} | {Percentile(100):0.00} | {note} |");

    public const string Header =
        "| workload | concurrency | ops | failed | ops/s | p50 ms | p90 ms | p99 ms | max ms | note |\n" +
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|";
}
