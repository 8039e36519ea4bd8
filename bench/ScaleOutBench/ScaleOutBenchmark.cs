using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace FunctionsDashboard.Bench;

/// <summary>
/// Command line: <c>--only prune|instances --prune 1000000,5000000 --duration 10 --warmup 2 --concurrency 16
/// --per-request 10 --repeats 1 --jit-concurrency 2 --jit-per-request 1</c>. One Azurite (private, in memory) for every
/// row; baselines in the same run.
/// </summary>
internal static class ScaleOutBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        string? Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        int Int(string name, int fallback) => int.TryParse(Value(name), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : fallback;
        var only = Value("--only");
        var sizes = (Value("--prune") ?? "1000000,5000000").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToList();
        var root = FindRoot();
        var report = new StringBuilder();
        void Say(string line)
        {
            Console.WriteLine(line);
            report.AppendLine(line);
        }

        await using var azurite = await LocalAzurite.StartAsync(root);
        Say($"# Scale-out benchmark {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC");
        Say("");
        Say($"Machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}, load average {LoadAverage()} at the start; Azurite in memory ({azurite.Layout}) on the same cores.");
        if (only is null or "prune")
        {
            Say("");
            Say("## Prune cost");
            Say("");
            Say(PruneBenchmark.Header);
            foreach (var size in sizes)
            {
                Say(await PruneBenchmark.RunAsync(azurite.ConnectionString, size));
            }
        }

        if (only is null or "instances")
        {
            Say("");
            Say("## One vs two DevHost processes on one Azurite, one stream");
            Say("");
            var settings = new TwoProcessBenchmark.Settings(
                TimeSpan.FromSeconds(Int("--duration", 10)), TimeSpan.FromSeconds(Int("--warmup", 2)), Int("--concurrency", 16), Int("--per-request", 10),
                Int("--jit-concurrency", 2), Int("--jit-per-request", 1));
            // One and two processes alternating (--repeats pairs): load drifts, the ratios that count are within a pair and
            // against the baseline each row measures right before its measured part.
            Say(string.Create(CultureInfo.InvariantCulture, $"Baseline, same Azurite: raw-batch-100 at concurrency {settings.Concurrency} in a new table, measured in each row after its warm-up."));
            Say(string.Create(CultureInfo.InvariantCulture, $"Before each row, JIT warm-up rounds at a light load (concurrency {settings.JitConcurrency}, {settings.JitPerRequest} event(s) per request, another stream) until the DevHost processes compile almost nothing; the last column also gives what they still compiled in the row's closed loop (its unmeasured start included)."));
            Say("");
            Say(TwoProcessBenchmark.Header);
            for (var repeat = 0; repeat < Int("--repeats", 1); repeat++)
            {
                foreach (var processes in new[] { 1, 2 })
                {
                    Say(await TwoProcessBenchmark.RunAsync(root, azurite.ConnectionString, processes, settings));
                }
            }
        }

        Say("");
        Say($"Load average at the end: {LoadAverage()}.");
        var results = Directory.CreateDirectory(Path.Combine(root, "bench", "results"));
        await File.WriteAllTextAsync(Path.Combine(results.FullName, $"scaleout-{DateTimeOffset.UtcNow:yyyyMMdd-HHmmss}.md"), report.ToString());
        return 0;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FunctionsDashboard.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Run the benchmark from inside the repository.");
    }
}
