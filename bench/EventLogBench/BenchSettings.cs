using System.Globalization;

namespace FunctionsDashboard.Bench;

/// <summary>
/// Command line: <c>--duration 10 --warmup 3 --concurrency 16,64 --sizes 1,10 --only single,two,latency --rate 200
/// --repeats 2 [--window-start] [--shared-tables] --storage "&lt;connection string&gt;"</c>. With <c>--shared-tables</c> every row
/// writes the same tables (as before 2026-12-03), not tables of its own.
/// </summary>
internal sealed record BenchSettings(TimeSpan Duration, TimeSpan Warmup, IReadOnlyList<int> Concurrency, IReadOnlyList<int> Sizes, int Rate, int Repeats, bool WindowStart, bool SharedTables, string? Only, string? Storage)
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
            int.Parse(Value("--rate") ?? "200", CultureInfo.InvariantCulture),
            int.Parse(Value("--repeats") ?? "2", CultureInfo.InvariantCulture),
            args.Contains("--window-start"),
            args.Contains("--shared-tables"),
            Value("--only"),
            Value("--storage") ?? Environment.GetEnvironmentVariable("FUNCTIONSDASHBOARD_BENCH_STORAGE"));
    }
}
