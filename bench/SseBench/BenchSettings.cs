using System.Globalization;

namespace FunctionsDashboard.SseBench;

/// <summary>The load generator's settings (command line; see bench/sse.sh).</summary>
public sealed record BenchSettings
{
    /// <summary>Client counts the line is fitted over. Default 1,000, 5,000, 10,000.</summary>
    public IReadOnlyList<int> Counts { get; init; } = [1_000, 5_000, 10_000];

    /// <summary>Repetitions of the whole interleaved set. Default 3.</summary>
    public int Repetitions { get; init; } = 3;

    /// <summary>The modes, in the first repetition's order (later repetitions rotate it). Default all three.</summary>
    public IReadOnlyList<ServerMode> Modes { get; init; } = ServerModes.All;

    /// <summary>The repository root (host.json, local.settings.sample.json) for app mode.</summary>
    public required string Root { get; init; }

    /// <summary>The Azurite connection string for app mode.</summary>
    public string? Storage { get; init; }

    /// <summary>Where the markdown report goes (also printed); null: printed only.</summary>
    public string? Output { get; init; }

    /// <summary>Pause after the last client got its first frame, before the sample. Default 2 s.</summary>
    public TimeSpan Settle { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// After the largest count, hold the clients this long (heartbeats fire: every 25 s) and sample again, to show memory
    /// that builds up on a connection while it stays idle. Default 55 s (two heartbeats); 0 skips it.
    /// </summary>
    public TimeSpan Hold { get; init; } = TimeSpan.FromSeconds(55);

    /// <summary>Handshakes in flight at once. Default 64.</summary>
    public int Concurrency { get; init; } = 64;

    /// <summary>Clients opened and closed before the idle sample (JIT, pools, the app's first subscription). Default 200.</summary>
    public int WarmUp { get; init; } = 200;

    /// <summary>Run the servers with server GC instead of workstation GC. Default false (the worker's default).</summary>
    public bool ServerGc { get; init; }

    /// <summary>How far a baseline's slope may move between repetitions: (max − min) / median. Default 10 %.</summary>
    public double Tolerance { get; init; } = 0.10;

    /// <summary>A free-text line for the report (machine, load).</summary>
    public string? Note { get; init; }

    /// <summary>Parses <c>--counts 1000,5000 --reps 3 --modes bare-sse,app --root DIR --storage CS --out FILE --settle-ms 2000 --hold-s 55 --concurrency 64 --warmup 200 --gc workstation|server --note TEXT</c>.</summary>
    public static BenchSettings Parse(IReadOnlyList<string> args)
    {
        var line = CommandLine.Parse(args);
        var defaults = new BenchSettings { Root = "" };
        var settings = new BenchSettings
        {
            Counts = line.Optional("counts") is { } counts ? counts.Split(',').Select(Int).Order().ToArray() : defaults.Counts,
            Repetitions = line.Optional("reps") is { } reps ? Int(reps) : defaults.Repetitions,
            Modes = line.Optional("modes") is { } modes ? modes.Split(',').Select(ServerModes.Parse).ToArray() : defaults.Modes,
            Root = Path.GetFullPath(line.Optional("root", Directory.GetCurrentDirectory())),
            Storage = line.Optional("storage") ?? Environment.GetEnvironmentVariable("SSEBENCH_STORAGE"),
            Output = line.Optional("out"),
            Settle = line.Optional("settle-ms") is { } settle ? TimeSpan.FromMilliseconds(Int(settle)) : defaults.Settle,
            Hold = line.Optional("hold-s") is { } hold ? TimeSpan.FromSeconds(Int(hold)) : defaults.Hold,
            Concurrency = line.Optional("concurrency") is { } concurrency ? Int(concurrency) : defaults.Concurrency,
            WarmUp = line.Optional("warmup") is { } warmUp ? Int(warmUp) : defaults.WarmUp,
            ServerGc = line.Optional("gc", "workstation") switch
            {
                "server" => true,
                "workstation" => false,
                var other => throw new ArgumentException($"--gc must be workstation or server, not '{other}'."),
            },
            Note = line.Optional("note"),
        };
        if (settings.Counts.Count < 2 || settings.Counts.Distinct().Count() != settings.Counts.Count || settings.Counts[0] <= 0)
        {
            throw new ArgumentException("--counts needs at least two distinct positive client counts.");
        }

        if (settings.Repetitions < 1 || settings.Concurrency < 1 || settings.WarmUp < 0)
        {
            throw new ArgumentException("--reps and --concurrency must be at least 1, --warmup at least 0.");
        }

        if (settings.Modes.Contains(ServerMode.App) && string.IsNullOrWhiteSpace(settings.Storage))
        {
            throw new ArgumentException("app mode needs --storage (or SSEBENCH_STORAGE): an Azurite connection string.");
        }

        return settings;
    }

    private static int Int(string text) => int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
}
