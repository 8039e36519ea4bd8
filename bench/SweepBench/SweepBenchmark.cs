using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using FunctionsDashboard.Options;

namespace FunctionsDashboard.Bench;

/// <summary>
/// Issue 4: the stale sweep against a raw "query all + batch delete the stale" script on the same Azurite, interleaved,
/// re-seeded before every run; the 0-stale sweep; and the storage requests a heartbeat costs.
/// </summary>
internal sealed class SweepBenchmark(BenchSettings settings, LoopbackSignalR loopback, RequestCounter counter, TextWriter log)
{
    private const int SeedParallelism = 8;
    private const int RawParallelism = 4; // transactions in flight, as the sweep's batch path per partition
    private const int SampleSize = 300;
    private static readonly TimeSpan Stale = DashboardOptions.DefaultStaleTimeout;
    private static readonly TimeSpan Heartbeat = DashboardOptions.DefaultHeartbeatInterval;

    private readonly BenchClock _clock = new(new DateTimeOffset(DateTime.UtcNow.Ticks / TimeSpan.TicksPerSecond * TimeSpan.TicksPerSecond, TimeSpan.Zero));
    private readonly List<string> _problems = [];
    private readonly List<double> _countMilliseconds = [];
    private int _tables;

    private enum Path
    {
        Sweep,
        Raw,
        SweepHttp,
        Filtered,
    }

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        var sweep = new Series("sweep (no-op close)");
        var raw = new Series("raw: query all + batch delete");
        var sweepHttp = new Series("sweep (closes over loopback HTTP)");
        var zero = new Series("sweep, 0 stale");
        var filtered = new Series("reference: plain rows, server-side filter on LastSeen per shard");
        var series = new Dictionary<Path, Series> { [Path.Sweep] = sweep, [Path.Raw] = raw, [Path.SweepHttp] = sweepHttp, [Path.Filtered] = filtered };
        var paths = new[] { Path.Sweep, Path.Raw, Path.SweepHttp, Path.Filtered }
            .Where(p => (p != Path.SweepHttp || settings.HttpCloses) && (p != Path.Filtered || settings.Reference))
            .ToArray();

        Say($"warm-up: {settings.WarmupConnections:N0} connections through every path");
        var warm = Workload.Create(settings.WarmupConnections, settings.WarmupConnections / 10, _clock.GetUtcNow(), Stale, seed: 999);
        foreach (var path in paths)
        {
            await MeasureAsync(path, warm, null, cancellationToken);
        }

        for (var rep = 0; rep < settings.Repetitions; rep++)
        {
            var workload = Workload.Create(settings.Connections, settings.StaleCount, _clock.GetUtcNow(), Stale, seed: rep + 1);
            // The two secondary paths (REST closes, the no-index reference) run in the first repetitions only.
            var these = paths.Where(p => p is Path.Sweep or Path.Raw || rep < settings.ExtraRepetitions).ToArray();
            for (var k = 0; k < these.Length; k++)
            {
                var path = these[(rep + k) % these.Length]; // rotate the order: no path always runs first or last
                await MeasureAsync(path, workload, series[path], cancellationToken);
            }
        }

        Say($"0 stale: {settings.Connections:N0} fresh connections, {settings.Repetitions} sweeps after one warm-up sweep");
        await MeasureZeroStaleAsync(zero, cancellationToken);

        Say($"heartbeats: {settings.HeartbeatConnections:N0} connections × {settings.HeartbeatRounds} at {Heartbeat.TotalSeconds:0} s spacing");
        var heartbeats = await MeasureHeartbeatsAsync(cancellationToken);

        var report = Report(sweep, raw, settings.HttpCloses ? sweepHttp : null, settings.Reference ? filtered : null, zero, heartbeats, started.Elapsed, out var met);
        return _problems.Count > 0 ? Finish(report, 2) : Finish(report, met ? 0 : 1);
    }

    private int Finish(string report, int code)
    {
        Console.Out.Write(report);
        if (settings.OutputPath is { } path)
        {
            File.WriteAllText(path, report);
            Say($"report written to {path}");
        }

        return code;
    }

    private async Task MeasureAsync(Path path, Workload workload, Series? series, CancellationToken cancellationToken)
    {
        using var stack = await BenchStack.CreateAsync(settings.Storage, NextPrefix(), _clock, path == Path.SweepHttp ? loopback.Endpoint : null, cancellationToken);
        var seeding = Stopwatch.StartNew();
        if (path is Path.Raw or Path.Filtered)
        {
            await RawSweep.SeedAsync(stack.Storage.Table(RawSweep.TableName), stack.Table.Keys, workload.Connections, SeedParallelism, cancellationToken);
        }
        else
        {
            await RegistrySeed.SeedAsync(stack.Table, workload.Connections, SeedParallelism, cancellationToken);
        }

        var seeded = seeding.Elapsed;
        var closesBefore = loopback.Closes;
        var sendsBefore = loopback.Sends;
        var requestsBefore = counter.Count;
        var methodsBefore = counter.ByMethod;
        var watch = Stopwatch.StartNew();
        string outcome;
        if (path is Path.Raw or Path.Filtered)
        {
            var table = stack.Storage.Table(RawSweep.TableName);
            var result = path == Path.Raw
                ? await RawSweep.RunAsync(table, workload.Cutoff, RawParallelism, cancellationToken)
                : await RawSweep.RunFilteredAsync(table, workload.Connections.Select(c => stack.Table.Keys.Partition(c.ConnectionId)).Distinct().Order(StringComparer.Ordinal), workload.Cutoff, RawParallelism, cancellationToken);
            watch.Stop();
            outcome = $"scanned {result.Scanned:N0}, deleted {result.Deleted:N0} in {result.Batches} batches, {result.Resubmitted} resubmitted after a 404";
            Check(result.Scanned == (path == Path.Raw ? workload.Connections.Count : workload.StaleCount) && result.Deleted == workload.StaleCount, $"{path}: {outcome}, expected {workload.StaleCount:N0} of {workload.Connections.Count:N0}");
        }
        else
        {
            var result = await stack.Sweeper.SweepAsync(cancellationToken);
            watch.Stop();
            outcome = result is null ? "skipped" : $"scanned {result.Scanned:N0}, removed {result.Removed:N0}, closed {result.Closed:N0}, failed {result.Failed}";
            Check(result is { Failed: 0 } && result.Scanned == workload.StaleCount && result.Removed == workload.StaleCount && result.Closed == workload.StaleCount, $"{path}: {outcome}, expected {workload.StaleCount:N0}");
            Check(stack.Presence.IsPending == workload.StaleCount > 0, $"{path}: the sweep {(stack.Presence.IsPending ? "asked" : "did not ask")} for a presence push");
            if (path == Path.SweepHttp)
            {
                Check(loopback.Closes - closesBefore == workload.StaleCount, $"{path}: the endpoint saw {loopback.Closes - closesBefore:N0} closes, expected {workload.StaleCount:N0}");
                Check(loopback.Sends - sendsBefore == 0, $"{path}: {loopback.Sends - sendsBefore} presence pushes inside the sweep");
            }
        }

        var requests = counter.Count - requestsBefore;
        series?.Add(watch.Elapsed.TotalMilliseconds, requests);
        Say($"{(series is null ? "warm-up " : "")}{path}: {watch.Elapsed.TotalSeconds:0.00} s, {requests:N0} storage requests ({outcome}; seeded in {seeded.TotalSeconds:0.0} s)");
        Say("  storage requests: " + string.Join(", ", counter.ByMethod.Select(m => (m.Key, Count: m.Value.Count - methodsBefore.GetValueOrDefault(m.Key).Count, Seconds: m.Value.Seconds - methodsBefore.GetValueOrDefault(m.Key).Seconds))
            .Where(m => m.Count > 0).Select(m => $"{m.Key} {m.Count:N0} ({m.Seconds:0.00} s summed)")));
        if (path is Path.Sweep or Path.SweepHttp)
        {
            // The sweep asks the presence notifier for a push, which goes out within its period, outside the sweep; it
            // counts the live connections. Time that push on its own.
            var counting = Stopwatch.StartNew();
            await stack.Presence.PushAsync(cancellationToken);
            Say($"  presence push after the sweep (asynchronous, not part of the sweep's time): {counting.Elapsed.TotalSeconds:0.00} s");
            if (path == Path.Sweep && series is not null)
            {
                _countMilliseconds.Add(counting.Elapsed.TotalMilliseconds);
            }

            await VerifyRegistryAsync(stack, workload, path.ToString(), cancellationToken);
        }

        await stack.DeleteTablesAsync(cancellationToken);
    }

    /// <summary>Nothing stale is left, and a sample of each kind is where it belongs.</summary>
    private async Task VerifyRegistryAsync(BenchStack stack, Workload workload, string what, CancellationToken cancellationToken)
    {
        var registry = stack.Registry;
        var left = 0;
        await foreach (var _ in RegistrySeed.CandidatesAsync(stack.Scanner, workload.Cutoff, cancellationToken))
        {
            left++;
        }

        Check(left == 0, $"{what}: {left} stale rows left after the sweep");
        foreach (var id in workload.Stale.Take(SampleSize))
        {
            Check(await registry.GetAsync(id, cancellationToken) is null, $"{what}: stale connection {id} is still registered");
        }

        foreach (var id in workload.Fresh.Take(SampleSize))
        {
            Check(await registry.GetAsync(id, cancellationToken) is not null, $"{what}: fresh connection {id} was removed");
        }
    }

    private async Task MeasureZeroStaleAsync(Series zero, CancellationToken cancellationToken)
    {
        var workload = Workload.Create(settings.Connections, 0, _clock.GetUtcNow(), Stale, seed: 100);
        using var stack = await BenchStack.CreateAsync(settings.Storage, NextPrefix(), _clock, null, cancellationToken);
        await RegistrySeed.SeedAsync(stack.Table, workload.Connections, SeedParallelism, cancellationToken);
        for (var i = 0; i <= settings.Repetitions; i++)
        {
            var before = counter.Count;
            var watch = Stopwatch.StartNew();
            var result = await stack.Sweeper.SweepAsync(cancellationToken);
            watch.Stop();
            var requests = counter.Count - before;
            Check(result is { Scanned: 0, Removed: 0, Failed: 0 }, $"0 stale: {result}");
            if (i > 0)
            {
                zero.Add(watch.Elapsed.TotalMilliseconds, requests);
            }

            Say($"{(i == 0 ? "warm-up " : "")}0-stale sweep: {watch.Elapsed.TotalMilliseconds:0} ms, {requests} storage requests");
        }

        await VerifyRegistryAsync(stack, workload, "0 stale", cancellationToken);
        await stack.DeleteTablesAsync(cancellationToken);
    }

    private async Task<HeartbeatReport> MeasureHeartbeatsAsync(CancellationToken cancellationToken)
    {
        var ids = Workload.Create(settings.HeartbeatConnections, 0, _clock.GetUtcNow(), Stale, seed: 200).Fresh;
        var prefix = NextPrefix();
        using var stack = await BenchStack.CreateAsync(settings.Storage, prefix, _clock, null, cancellationToken);
        var options = new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken };

        var before = counter.Count;
        await Parallel.ForEachAsync(ids, options, async (id, ct) => await stack.Registry.RegisterAsync("dashboard", id, null, ct));
        var registerRequests = counter.Count - before;

        var rounds = new List<long>();
        var candidatesSeen = 0;
        for (var round = 0; round < settings.HeartbeatRounds; round++)
        {
            _clock.Advance(Heartbeat);
            before = counter.Count;
            await Parallel.ForEachAsync(ids, options, async (id, ct) => await stack.Registry.HeartbeatAsync("dashboard", id, null, ct));
            rounds.Add(counter.Count - before);

            // The staleness bound: a connection that heartbeats every 25 s is never a stale candidate.
            await foreach (var _ in RegistrySeed.CandidatesAsync(stack.Scanner, _clock.GetUtcNow() - Stale, cancellationToken))
            {
                candidatesSeen++;
            }
        }

        Check(candidatesSeen == 0, $"heartbeats: {candidatesSeen} heartbeating connections were stale candidates");

        // Another instance, which never saw these connections, takes the next two rounds.
        using var other = await BenchStack.CreateAsync(settings.Storage, prefix, _clock, null, cancellationToken);
        var coldRounds = new List<long>();
        for (var round = 0; round < 2; round++)
        {
            _clock.Advance(Heartbeat);
            before = counter.Count;
            await Parallel.ForEachAsync(ids, options, async (id, ct) => await other.Registry.HeartbeatAsync("dashboard", id, null, ct));
            coldRounds.Add(counter.Count - before);
        }

        var kept = await stack.Sweeper.SweepAsync(cancellationToken);
        Check(kept is { Removed: 0, Failed: 0 }, $"heartbeats: a sweep right after the last heartbeat removed {kept?.Removed}");
        _clock.Advance(Stale);
        var swept = await stack.Sweeper.SweepAsync(cancellationToken);
        Check(swept is { Failed: 0 } && swept.Removed == ids.Count, $"heartbeats: {Stale.TotalSeconds:0} s after the last heartbeat the sweep removed {swept?.Removed} of {ids.Count}");

        foreach (var (round, requests) in rounds.Select((r, i) => (i + 1, r)))
        {
            Say($"heartbeat round {round}: {requests:N0} requests for {ids.Count:N0} heartbeats");
        }

        await stack.DeleteTablesAsync(cancellationToken);
        return new HeartbeatReport(ids.Count, registerRequests, rounds, coldRounds, kept!.Removed, swept!.Removed);
    }

    private string Report(Series sweep, Series raw, Series? sweepHttp, Series? filtered, Series zero, HeartbeatReport heartbeats, TimeSpan elapsed, out bool met)
    {
        var ratio = sweep.Median / raw.Median;
        var perRep = sweep.Milliseconds.Zip(raw.Milliseconds, (s, r) => s / r).ToList();
        var targets = new List<(string Goal, string Measured, bool Met)>
        {
            ($"sweep ≤ 45 s ({settings.Connections:N0} connections, {settings.StaleCount:N0} stale)", $"{Seconds(sweep.Median)} (median; max {Seconds(sweep.Max)})", sweep.Max <= 45_000),
            ("sweep ≤ 1.5 × raw script", $"{ratio:0.00} × (per repetition {string.Join(", ", perRep.Select(r => r.ToString("0.00", CultureInfo.InvariantCulture)))})", ratio <= 1.5),
            ("0 stale: sweep ≤ 2 s", $"{zero.Median:0} ms (median; max {zero.Max:0} ms)", zero.Max <= 2_000),
            ("≤ 1 storage request per heartbeat (average)", $"{heartbeats.Average:0.000}", heartbeats.Average <= 1.0),
        };
        met = targets.All(t => t.Met);

        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# Sweep benchmark (issue 4), {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"- Machine: {Environment.ProcessorCount} cores ({CpuModel()}), {RuntimeInformation.OSDescription}, .NET {Environment.Version}; shared with other builds, so numbers are noisy.");
        md.AppendLine(CultureInfo.InvariantCulture, $"- Storage: Azurite {settings.AzuriteVersion} in memory, on loopback, private to this run. Azure.Data.Tables through the product's own clients.");
        md.AppendLine(CultureInfo.InvariantCulture, $"- Workload: {settings.Connections:N0} connections over 16 shards, {settings.StaleCount:N0} stale (last seen 1 ms to 10 min before the cutoff), the rest seen within the last minute; stale timeout {Stale.TotalSeconds:0} s.");
        md.AppendLine(CultureInfo.InvariantCulture, $"- Method: {settings.Repetitions} repetitions, the paths interleaved in a rotating order, each run on a freshly seeded table (seeding not timed); the REST-close and reference paths in the first {settings.ExtraRepetitions} repetition(s) only; one warm-up of every path on {settings.WarmupConnections:N0} connections first. Raw script: one query of every row (1,000 per page), stale picked client-side, ETag-conditional deletes in batches of 100 per partition, {RawParallelism} batches at a time. The sweep: the real `ConnectionSweeper.SweepAsync`, REST closes and result record included; the presence push it asks for goes out afterwards, from the notifier (timed below).");
        md.AppendLine();
        md.AppendLine("| Path | " + string.Join(" | ", Enumerable.Range(1, settings.Repetitions).Select(i => $"run {i}")) + " | median | spread | storage requests (median) |");
        md.AppendLine("|---|" + string.Concat(Enumerable.Repeat("---:|", settings.Repetitions)) + "---:|---:|---:|");
        foreach (var s in new[] { sweep, raw, sweepHttp, filtered, zero }.OfType<Series>())
        {
            var cells = s.Milliseconds.Select(Seconds).ToList();
            cells.AddRange(Enumerable.Repeat("", settings.Repetitions - cells.Count));
            var requests = Series.MedianOf(s.Requests.Select(r => (double)r).ToList());
            md.AppendLine(CultureInfo.InvariantCulture, $"| {s.Name} | {string.Join(" | ", cells)} | **{Seconds(s.Median)}** | {(s.Milliseconds.Count > 1 ? s.Spread.ToString("P0", CultureInfo.InvariantCulture) : "–")} | {requests:N0} |");
        }

        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Baseline stability: the raw script's spread is {raw.Spread:P0}{(raw.Spread > 0.10 ? " (more than 10 %: the machine was busy; compare the per-repetition ratios)" : "")}.");
        md.AppendLine(CultureInfo.InvariantCulture, $"After the sweep, the presence notifier pushes the new count within its 1 s period, outside the sweep; that push counts every live connection (16 queries, all pages) and takes {Seconds(Series.MedianOf(_countMilliseconds))} (median) on the swept table.");
        if (filtered is not null)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"Reference (not the product): the raw script's plain rows, one query per shard filtered on `LastSeen` by the server (a scan of every row on Azure Tables) and the same deletes: {filtered.Median / raw.Median:0.00} × the raw script.");
        }

        if (sweepHttp is not null)
        {
            var extra = sweepHttp.Milliseconds.Zip(sweep.Milliseconds, (withCloses, without) => withCloses - without).ToList();
            md.AppendLine(CultureInfo.InvariantCulture, $"REST closes to a loopback endpoint that answers at once: the sweep took {Seconds(Series.MedianOf(extra))} more than the no-op sweep of the same repetition (median difference; noise can make it negative), {Series.MedianOf(extra) / settings.StaleCount:0.00} ms per closed connection (closes overlap the deletes, 16 at a time).");
        }

        md.AppendLine();
        md.AppendLine("| Target | Measured | Met |");
        md.AppendLine("|---|---|---|");
        foreach (var (goal, measured, ok) in targets)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {goal} | {measured} | {(ok ? "yes" : "**no**")} |");
        }

        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Heartbeats ({heartbeats.Connections:N0} connections, registered first with {heartbeats.RegisterRequests:N0} requests): storage requests per round of {heartbeats.Connections:N0} heartbeats, {Heartbeat.TotalSeconds:0} s apart: {string.Join(", ", heartbeats.Rounds.Select(r => r.ToString("N0", CultureInfo.InvariantCulture)))}; average **{heartbeats.Average:0.000} per heartbeat**. No heartbeating connection was ever a stale candidate; a sweep right after the last round removed {heartbeats.RemovedWhileLive}, one {Stale.TotalSeconds:0} s later removed {heartbeats.RemovedAfterSilence:N0}.");
        md.AppendLine(CultureInfo.InvariantCulture, $"On another instance that never saw these connections, the next two rounds cost {string.Join(" and ", heartbeats.ColdRounds.Select(r => r.ToString("N0", CultureInfo.InvariantCulture)))} requests (its first heartbeat per connection reads the next, the current and the previous epoch's key, then moves or merges).");
        md.AppendLine();
        if (_problems.Count > 0)
        {
            md.AppendLine("## Verification failures");
            _problems.ForEach(p => md.AppendLine("- " + p));
            md.AppendLine();
        }

        md.AppendLine(CultureInfo.InvariantCulture, $"Whole run: {elapsed.TotalMinutes:0.0} min. Verification: {(_problems.Count == 0 ? "every run removed exactly the stale connections (sampled point reads, no stale row left)" : $"{_problems.Count} failures")}.");
        return md.ToString();
    }

    private void Check(bool condition, string problem)
    {
        if (!condition)
        {
            _problems.Add(problem);
            Say("VERIFICATION FAILED: " + problem);
        }
    }

    private string NextPrefix() => $"b{Environment.ProcessId % 10_000}n{++_tables}";

    private void Say(string message) => log.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");

    private static string Seconds(double milliseconds) => (milliseconds / 1000).ToString("0.00 's'", CultureInfo.InvariantCulture);

    private static string CpuModel()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        }
        catch (IOException)
        {
            return "unknown CPU";
        }
    }

    private sealed record HeartbeatReport(int Connections, long RegisterRequests, List<long> Rounds, List<long> ColdRounds, int RemovedWhileLive, int RemovedAfterSilence)
    {
        public double Average => (double)Rounds.Sum() / (Connections * Rounds.Count);
    }
}
