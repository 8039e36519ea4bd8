using System.Globalization;

namespace FunctionsDashboard.DeliveryBench;

/// <summary>
/// Command line (all optional): <c>--clients 200 --rate 200 --duration 10 --warmup 3 --repeat 1 --modes latency,drain
/// --drain-events 5000 --drain-cap 150 --fault-rate 0.3 --batches 1,50 --rows bare-sse,signalr,sse --storage "&lt;connection string&gt;"</c>.
/// <c>--rows</c> picks the latency rows (default all three; <c>bare-sse</c>, the baseline, always runs).
/// </summary>
internal sealed record BenchSettings(
    int Clients,
    int Rate,
    TimeSpan Duration,
    TimeSpan Warmup,
    int Repeat,
    IReadOnlySet<string> Modes,
    int DrainEvents,
    TimeSpan DrainCap,
    double FaultRate,
    IReadOnlyList<int> Batches,
    IReadOnlySet<string> Rows,
    string? Storage)
{
    public static BenchSettings Parse(string[] args)
    {
        string? Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        double Number(string name, double fallback) => double.TryParse(Value(name), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : fallback;
        return new BenchSettings(
            (int)Number("--clients", 200),
            (int)Number("--rate", 200),
            TimeSpan.FromSeconds(Number("--duration", 10)),
            TimeSpan.FromSeconds(Number("--warmup", 3)),
            (int)Number("--repeat", 1),
            (Value("--modes") ?? "latency,drain").Split(',').ToHashSet(StringComparer.OrdinalIgnoreCase),
            (int)Number("--drain-events", 5000),
            TimeSpan.FromSeconds(Number("--drain-cap", 150)),
            Number("--fault-rate", 0.3),
            [.. (Value("--batches") ?? "1,50").Split(',').Select(b => int.Parse(b, CultureInfo.InvariantCulture))],
            (Value("--rows") ?? "bare-sse,signalr,sse").Split(',').ToHashSet(StringComparer.OrdinalIgnoreCase),
            Value("--storage") ?? Environment.GetEnvironmentVariable("FUNCTIONSDASHBOARD_BENCH_STORAGE"));
    }
}
