using System.Globalization;

namespace FunctionsDashboard.Bench;

/// <summary>
/// Command line: <c>--duration 10 --warmup 3 --concurrency 16,64 --sizes 1,10 --prune 1000000,5000000 --only ingest|prune
/// --storage "&lt;connection string&gt;"</c>.
/// </summary>
internal sealed record BenchSettings(TimeSpan Duration, TimeSpan Warmup, IReadOnlyList<int> Concurrency, IReadOnlyList<int> Sizes, IReadOnlyList<int> Prune, string? Only, string? Storage)
{
    public static BenchSettings Parse(string[] args)
    {
        string? Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        double Seconds(string name, double fallback) => double.TryParse(Value(name), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : fallback;
        List<int> Ints(string name, string fallback) => [.. (Value(name) ?? fallback).Split(',', StringSplitOptions.RemoveEmptyEntries).Select(c => int.Parse(c, CultureInfo.InvariantCulture))];
        return new BenchSettings(
            TimeSpan.FromSeconds(Seconds("--duration", 10)),
            TimeSpan.FromSeconds(Seconds("--warmup", 3)),
            Ints("--concurrency", "64"),
            Ints("--sizes", "1,10"),
            Ints("--prune", "1000000,5000000"),
            Value("--only"),
            Value("--storage") ?? Environment.GetEnvironmentVariable("FUNCTIONSDASHBOARD_BENCH_STORAGE"));
    }
}
