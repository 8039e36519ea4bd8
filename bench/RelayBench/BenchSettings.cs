using System.Globalization;

namespace FunctionsDashboard.Bench;

/// <summary>Command line: <c>--duration 10 --warmup 3 --concurrency 1,16,64 --repeat 1 --storage "&lt;connection string&gt;"</c>.</summary>
internal sealed record BenchSettings(TimeSpan Duration, TimeSpan Warmup, IReadOnlyList<int> Concurrency, int Repeat, string? Storage)
{
    public static BenchSettings Parse(string[] args)
    {
        string? Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        double Seconds(string name, double fallback) => double.TryParse(Value(name), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : fallback;
        var concurrency = (Value("--concurrency") ?? "1,16,64").Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToList();
        return new BenchSettings(
            TimeSpan.FromSeconds(Seconds("--duration", 10)),
            TimeSpan.FromSeconds(Seconds("--warmup", 3)),
            concurrency,
            int.TryParse(Value("--repeat"), out var r) ? r : 1,
            Value("--storage") ?? Environment.GetEnvironmentVariable("FUNCTIONSDASHBOARD_BENCH_STORAGE"));
    }
}
