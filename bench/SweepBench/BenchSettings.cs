using System.Globalization;

namespace FunctionsDashboard.Bench;

/// <summary>Command line: <c>--connections N --stale N --reps N --extra-reps N --warmup N --heartbeat-connections N --heartbeat-rounds N --no-http-closes --no-reference --out FILE</c>; storage from <c>SWEEPBENCH_STORAGE</c>.</summary>
internal sealed record BenchSettings(
    string Storage,
    int TablePort,
    string AzuriteVersion,
    int Connections,
    int StaleCount,
    int Repetitions,
    int ExtraRepetitions,
    int WarmupConnections,
    int HeartbeatConnections,
    int HeartbeatRounds,
    bool HttpCloses,
    bool Reference,
    string? OutputPath)
{
    public static BenchSettings Parse(string[] args)
    {
        var storage = Environment.GetEnvironmentVariable("SWEEPBENCH_STORAGE");
        if (string.IsNullOrWhiteSpace(storage))
        {
            throw new ArgumentException("SWEEPBENCH_STORAGE is not set: run bench/sweep.sh, which starts a private Azurite.");
        }

        var endpoint = storage.Split(';').Select(p => p.Split('=', 2)).FirstOrDefault(p => p.Length == 2 && p[0] == "TableEndpoint")?[1]
            ?? throw new ArgumentException("SWEEPBENCH_STORAGE has no TableEndpoint.");
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var flags = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] is "--no-http-closes" or "--no-reference")
            {
                flags.Add(args[i]);
            }
            else if (args[i].StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Length)
            {
                values[args[i]] = args[++i];
            }
            else
            {
                throw new ArgumentException($"Unknown argument '{args[i]}'.");
            }
        }

        int Int(string name, int fallback) => values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        var connections = Int("--connections", 100_000);
        var settings = new BenchSettings(
            storage,
            new Uri(endpoint).Port,
            Environment.GetEnvironmentVariable("SWEEPBENCH_AZURITE_VERSION") ?? "?",
            connections,
            Int("--stale", connections / 10),
            Int("--reps", 3),
            Int("--extra-reps", 1),
            Int("--warmup", 2_000),
            Int("--heartbeat-connections", 1_000),
            Int("--heartbeat-rounds", 10),
            !flags.Contains("--no-http-closes"),
            !flags.Contains("--no-reference"),
            values.GetValueOrDefault("--out"));
        if (settings.Connections is < 100 or > 1_000_000 || settings.StaleCount < 0 || settings.StaleCount > settings.Connections
            || settings.Repetitions is < 1 or > 20 || settings.ExtraRepetitions < 0 || settings.WarmupConnections is < 10 or > 100_000
            || settings.HeartbeatConnections is < 1 or > 100_000 || settings.HeartbeatRounds is < 1 or > 100)
        {
            throw new ArgumentException("Out of range: connections 100..1,000,000, stale 0..connections, reps 1..20, extra reps ≥ 0, warmup 10..100,000, heartbeat connections 1..100,000, rounds 1..100.");
        }

        return settings;
    }
}
