using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace FunctionsDashboard.SseBench;

/// <summary>The markdown report: slopes per mode and metric, the P4 goal, baseline stability, every raw sample.</summary>
public sealed class MarkdownReport
{
    /// <summary>P4: at most 16 KiB of managed heap per idle connection.</summary>
    public const double GoalBytes = 16 * 1024;

    /// <summary>P4: at most 1.2 × the bare WebSocket's per-connection heap.</summary>
    public const double GoalRatioToWebSocket = 1.2;

    private readonly BenchSettings _settings;
    private readonly IReadOnlyList<ModeRun> _runs;
    private readonly DateTimeOffset _started;
    private readonly DateTimeOffset _finished;
    private readonly List<SlopeSummary> _summaries;

    /// <summary>Summarizes <paramref name="runs"/>.</summary>
    public MarkdownReport(BenchSettings settings, IReadOnlyList<ModeRun> runs, DateTimeOffset started, DateTimeOffset finished)
    {
        _settings = settings;
        _runs = runs;
        _started = started;
        _finished = finished;
        _summaries = [.. settings.Modes.SelectMany(mode => Metric.All.Select(metric => SlopeSummary.Of(mode, metric, runs)))];
        BaselineFailures = [.. _summaries
            .Where(s => s.Mode.IsBaseline() && s.Slopes.Count > 1 && s.Spread > settings.Tolerance)
            .Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Mode.Name()} {s.Metric.Name} slope moved {s.Spread:P0} between repetitions ({Kib(s.Min)} – {Kib(s.Max)} KiB/conn; limit {settings.Tolerance:P0})"))];
    }

    /// <summary>Baselines whose slope moved more than the tolerance between repetitions.</summary>
    public IReadOnlyList<string> BaselineFailures { get; }

    /// <summary>The report.</summary>
    public string Render()
    {
        var md = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        md.AppendLine("# SSE memory per idle connection").AppendLine();
        md.AppendLine(inv, $"- Date (UTC): {_started:yyyy-MM-dd HH:mm} – {_finished:HH:mm}");
        md.AppendLine(inv, $"- Machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}; servers on {(_settings.ServerGc ? "server" : "workstation")} GC");
        if (_settings.Note is { Length: > 0 } note)
        {
            md.AppendLine(inv, $"- Note: {note}");
        }

        md.AppendLine(inv, $"- Clients: {string.Join(" / ", _settings.Counts.Select(c => c.ToString("N0", inv)))} idle connections on loopback, each after its first frame (`retry:`); {_settings.WarmUp} warm-up clients opened and closed first; sample {_settings.Settle.TotalSeconds:0.#} s after the last first frame");
        md.AppendLine(inv, $"- Repetitions: {_settings.Repetitions}, interleaved, a fresh server process per mode and repetition; order rotates: {string.Join("; ", Enumerable.Range(0, _settings.Repetitions).Select(r => string.Join(" → ", _runs.Where(x => x.Repetition == r + 1).Select(x => x.Mode.Name()))))}");
        md.AppendLine("- Sample: after `GC.Collect(2, Forced, blocking, compacting)` (LOH compacted) + `WaitForPendingFinalizers`: managed heap = `GC.GetTotalMemory(true)`, GC heap size = `GCMemoryInfo.HeapSizeBytes`, working set = VmRSS, private = RssAnon");
        md.AppendLine("- Per-connection cost = the **slope** of a least-squares line through the samples at each client count (not total / N)");
        md.AppendLine();

        md.AppendLine("## Per-connection cost (bytes → KiB per connection; median of the repetitions [min – max], spread = (max − min) / median)").AppendLine();
        md.Append("| Mode |");
        foreach (var metric in Metric.All)
        {
            md.Append(inv, $" {metric.Name} KiB/conn | spread |");
        }

        md.AppendLine(" worst R² (heap) |");
        md.Append("|---|").Append(string.Concat(Enumerable.Repeat("---:|---:|", Metric.All.Count))).AppendLine("---:|");
        foreach (var mode in _settings.Modes)
        {
            md.Append(inv, $"| {mode.Name()} |");
            foreach (var metric in Metric.All)
            {
                var s = Summary(mode, metric);
                md.Append(inv, $" **{Kib(s.Median)}** [{Kib(s.Min)} – {Kib(s.Max)}] | {s.Spread:P0} |");
            }

            md.AppendLine(inv, $" {Summary(mode, Metric.ManagedHeap).MinRSquared:0.0000} |");
        }

        md.AppendLine();
        AppendHold(md);
        AppendGoal(md);
        AppendStability(md);
        AppendSamples(md);
        return md.ToString();
    }

    private void AppendHold(StringBuilder md)
    {
        if (_settings.Hold <= TimeSpan.Zero)
        {
            return;
        }

        var inv = CultureInfo.InvariantCulture;
        md.AppendLine(inv, $"## Growth while idle ({_settings.Counts[^1]:N0} clients held {_settings.Hold.TotalSeconds:0} s more, heartbeats every {BenchServer.Heartbeat.TotalSeconds:0} s; KiB per connection, median [min – max])").AppendLine();
        md.AppendLine("| Mode | " + string.Join(" | ", Metric.All.Select(m => m.Name)) + " |");
        md.AppendLine("|---|" + string.Concat(Enumerable.Repeat("---:|", Metric.All.Count)));
        foreach (var mode in _settings.Modes)
        {
            md.Append(inv, $"| {mode.Name()} |");
            foreach (var metric in Metric.All)
            {
                var growth = _runs.Where(r => r.Mode == mode).Select(r => r.HoldGrowth(metric) ?? 0).Order().ToArray();
                md.Append(inv, $" {Kib(growth[growth.Length / 2])} [{Kib(growth[0])} – {Kib(growth[^1])}] |");
            }

            md.AppendLine();
        }

        md.AppendLine();
    }

    private void AppendGoal(StringBuilder md)
    {
        var inv = CultureInfo.InvariantCulture;
        md.AppendLine("## Goal P4 (managed heap per idle SSE connection ≤ 16 KiB and ≤ 1.2 × bare WebSocket)").AppendLine();
        if (!_settings.Modes.Contains(ServerMode.App))
        {
            md.AppendLine("- app mode not measured in this run").AppendLine();
            return;
        }

        var app = Summary(ServerMode.App, Metric.ManagedHeap).Median;
        md.AppendLine(inv, $"- app: {Kib(app)} KiB/conn ≤ 16 KiB: **{(app <= GoalBytes ? "PASS" : "FAIL")}**");
        if (_settings.Modes.Contains(ServerMode.BareWs))
        {
            var ratio = app / Summary(ServerMode.BareWs, Metric.ManagedHeap).Median;
            md.AppendLine(inv, $"- app / bare-ws: {ratio:0.00} ≤ {GoalRatioToWebSocket:0.0}: **{(ratio <= GoalRatioToWebSocket ? "PASS" : "FAIL")}**");
        }

        if (_settings.Modes.Contains(ServerMode.BareSse))
        {
            var ratio = app / Summary(ServerMode.BareSse, Metric.ManagedHeap).Median;
            md.AppendLine(inv, $"- app / bare-sse: {ratio:0.00} (what the app adds over a bare Kestrel SSE response)");
        }

        md.AppendLine();
    }

    private void AppendStability(StringBuilder md)
    {
        md.AppendLine(CultureInfo.InvariantCulture, $"## Baseline stability (limit: a baseline slope may move {_settings.Tolerance:P0} between repetitions)").AppendLine();
        if (_settings.Repetitions < 2)
        {
            md.AppendLine("- one repetition: not checked").AppendLine();
        }
        else if (BaselineFailures.Count == 0)
        {
            md.AppendLine("- every baseline slope stayed within the limit").AppendLine();
        }
        else
        {
            foreach (var failure in BaselineFailures)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"- **BASELINE UNSTABLE: {failure}**");
            }

            md.AppendLine();
        }
    }

    private void AppendSamples(StringBuilder md)
    {
        var inv = CultureInfo.InvariantCulture;
        md.AppendLine("## Samples (MiB)").AppendLine();
        md.AppendLine("| Rep | Mode | Clients | Managed heap | GC heap size | Working set | Private | Kestrel connections | Requests in flight | Connect s | Retries |");
        md.AppendLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var run in _runs)
        {
            md.AppendLine(inv, $"| {run.Repetition} | {run.Mode.Name()} | 0 | {Row(run.Idle)} | | |");
            foreach (var step in run.Steps)
            {
                md.AppendLine(inv, $"| {run.Repetition} | {run.Mode.Name()} | {step.Clients:N0} | {Row(step.Sample)} | {step.ConnectSeconds:0.0} | {step.Retries} |");
            }

            if (run.Held is { } held)
            {
                md.AppendLine(inv, $"| {run.Repetition} | {run.Mode.Name()} | {run.Steps[^1].Clients:N0}, held {_settings.Hold.TotalSeconds:0} s | {Row(held)} | | |");
            }
        }

        md.AppendLine();
        md.AppendLine("Kestrel connections and requests in flight include the diagnostics request's own.");
    }

    private SlopeSummary Summary(ServerMode mode, Metric metric) => _summaries.First(s => s.Mode == mode && s.Metric == metric);

    private static string Row(MemorySample s) => string.Create(
        CultureInfo.InvariantCulture,
        $"{Mib(s.ManagedHeapBytes)} | {Mib(s.GcHeapSizeBytes)} | {Mib(s.WorkingSetBytes)} | {Mib(s.PrivateBytes)} | {s.ActiveConnections:N0} | {s.ActiveRequests:N0}");

    private static string Kib(double bytes) => (bytes / 1024).ToString("0.00", CultureInfo.InvariantCulture);

    private static string Mib(long bytes) => (bytes / 1024d / 1024d).ToString("0.0", CultureInfo.InvariantCulture);
}
