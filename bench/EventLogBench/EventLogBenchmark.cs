using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Azure.Data.Tables;
using FunctionsDashboard.EventLog;
using FunctionsDashboard.Relay;
using FunctionsDashboard.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsDashboard.Bench;

/// <summary>
/// Measures, in one process launch and against one Azurite:
/// <list type="number">
/// <item><b>raw-batch-100</b> (baseline): entity-group transactions of 100 Add entities of ~1 KiB, one partition per worker (entities/s);</item>
/// <item><b>log k</b>: <see cref="EventLogWriter.AppendAsync"/> of k ~1 KiB events per call into ONE stream, closed loop (events/s),
/// with the same-run target of ≥ 50 % of the baseline's entity rate;</item>
/// <item><b>log-2x k</b>: the same with two app instances (two independent writers) sharing the storage and the stream, then
/// a check of the whole stream: seqs 1..N gap-free, every acknowledged id exactly once;</item>
/// <item><b>bytes/event</b>: the stored size (Azure's billing formula for entities) of a stream's partitions per event.</item>
/// </list>
/// The log is used in-process (no HTTP), so the figures are the log's own; bench/RelayBench measures the webhook.
/// </summary>
internal static class EventLogBenchmark
{
    public static async Task<int> RunAsync(BenchSettings settings)
    {
        var root = FindRoot();
        var report = new StringBuilder();
        void Say(string line)
        {
            Console.WriteLine(line);
            report.AppendLine(line);
        }

        await using var azurite = settings.Storage is null ? await LocalAzurite.StartAsync(root) : null;
        var storage = settings.Storage ?? azurite!.ConnectionString;
        var prefix = "b" + Guid.NewGuid().ToString("N")[..8];
        using var host = await RelayHost.StartAsync(storage, prefix, new Dictionary<string, string?> { ["Relay:Delivery:SafetyNetDelay"] = "00:00:00" });
        var tables = new TableServiceClient(storage);
        var raw = tables.GetTableClient(prefix + "raw");
        await raw.CreateIfNotExistsAsync();

        Say($"# Event log benchmark {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC");
        Say("");
        Say($"Machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}; load generator, log and Azurite " +
            $"(in memory, {azurite?.Layout ?? "given by --storage"}) on the same cores. Closed loop, warm-up {settings.Warmup.TotalSeconds:0} s, measured {settings.Duration.TotalSeconds:0} s per row, ~1 KiB events, one stream per row, " +
            (settings.SharedTables
                ? "every row in the same tables (--shared-tables)."
                : "each row in tables no earlier row wrote (the baseline a table of its own; the log a day bucket and id-index window of its own, its clock shifted by whole fortnights): in-memory Azurite's cost per insert grows with the table's row count, Azure's does not. The raw-batch-100 row in the filled table shows that effect in the same run."));
        Say("");
        Say(LoadResult.Header);
        var bytesNotes = new List<string>();
        var warmUps = new List<string>();
        var modes = (settings.Only ?? "single,two,latency").Split(',');
        var tablesUsed = 0;
        async Task<TableClient> RawTableAsync()
        {
            if (settings.SharedTables)
            {
                return raw;
            }

            var fresh = tables.GetTableClient(string.Create(CultureInfo.InvariantCulture, $"{prefix}raw{++tablesUsed}"));
            await fresh.CreateAsync();
            return fresh;
        }

        int LogTables() => settings.SharedTables ? 0 : ++tablesUsed;
        foreach (var c in settings.Concurrency)
        {
            // Unmeasured rounds of the baseline and of each log row first, until the process compiles almost nothing
            // (bench/Common/JitWarmUp.cs): the first rows of a launch ran on tier-0 code (and on Azurite's unoptimised
            // JavaScript) and measured the warm-up (the first 1-event row of a launch cost up to 2.7x the bench CPU per event
            // of the second in the same run). Every measured row below runs warm.
            warmUps.Add($"concurrency {c}: {await WarmUpAsync(host.Services, raw, c, settings)}");
            // The ingest rows and their baselines (none with --only latency).
            foreach (var k in modes.Contains("single") || modes.Contains("two") ? settings.Sizes : [])
            {
                // Baseline, one and two instances alternate (--repeats times): the machine's load drifts, so each log row is
                // compared with the baseline measured right before it. Each writes tables of its own (README): in-memory
                // Azurite gets slower as a table fills (a second 10-event row of a launch cost it up to 1.6x the CPU per
                // event of the first when all rows shared the tables).
                for (var repeat = 0; repeat < settings.Repeats; repeat++)
                {
                    if (!settings.SharedTables)
                    {
                        // The same batches in the warm-up's table, which every round and row of this kind made fuller: what the
                        // log rows of a shared-tables launch were compared with, and what they paid themselves.
                        var filledCpu = CpuMeter.Start(azurite);
                        var filledRows = Interlocked.Read(ref _rawRowsInWarmUpTable);
                        long filledOps = 0;
                        var filled = await ClosedLoop.RunAsync("raw-batch-100, filled table", c, settings.Warmup, settings.Duration, async (w, n) =>
                        {
                            await RawBatchAsync(raw, $"f{repeat}-{k}-{w}", n);
                            Interlocked.Increment(ref filledOps);
                            Interlocked.Add(ref _rawRowsInWarmUpTable, 100);
                            return true;
                        });
                        Say(filled.Row(string.Create(CultureInfo.InvariantCulture, $"not the baseline: the same batches in the warm-up's table ({filledRows:N0} rows before the row): {filled.PerSecond * 100:0} entities/s; {filledCpu.PerThousand(filledOps * 100)} entities")));
                    }

                    var rawTable = await RawTableAsync();
                    var rawCpu = CpuMeter.Start(azurite);
                    long rawOps = 0;
                    var batch = await ClosedLoop.RunAsync("raw-batch-100", c, settings.Warmup, settings.Duration, async (w, n) =>
                    {
                        await RawBatchAsync(rawTable, $"p{w}", n);
                        Interlocked.Increment(ref rawOps);
                        return true;
                    });
                    var entityRate = batch.PerSecond * 100;
                    Say(batch.Row(string.Create(CultureInfo.InvariantCulture, $"baseline for the next rows: {entityRate:0} entities/s; {rawCpu.PerThousand(rawOps * 100)} entities")));
                    if (!settings.SharedTables)
                    {
                        // Done with: in-memory Azurite would keep its rows, and a bigger heap makes its collections costlier.
                        await rawTable.DeleteAsync();
                    }

                    if (modes.Contains("single"))
                    {
                        var clock = new ShiftedClock();
                        var single = ActivatorUtilities.CreateInstance<RelayEventLog>(host.Services, EventLogCommitListeners.Of(), clock);
                        var stream = $"one-{c}-{k}-{Guid.NewGuid():N}"[..40];
                        await SteadyStateAsync(single, clock, stream, settings, LogTables());
                        var stats = host.Services.GetRequiredService<RelayStats>();
                        var before = stats.Snapshot();
                        var cpu = CpuMeter.Start(azurite);
                        var runtime = RuntimeMeter.Start();
                        var result = await ClosedLoop.RunAsync($"log {k}/call", c, settings.Warmup, settings.Duration, (_, n) => AppendAsync(single, stream, k, n));
                        var after = stats.Snapshot();
                        var perCommit = (after.Accepted - before.Accepted) / (double)Math.Max(1, after.Commits - before.Commits);
                        Say(result.Row(string.Create(CultureInfo.InvariantCulture,
                            $"{result.PerSecond * k:0} events/s = {result.PerSecond * k / entityRate:P0} of the baseline's entity rate; {perCommit:0.0} events/commit; {cpu.PerThousand(after.Accepted - before.Accepted)} events; {runtime.Note}")));
                        if (repeat == 0)
                        {
                            bytesNotes.Add(await BytesPerEventAsync(host.Services, stream, after.Accepted - before.Accepted));
                        }

                        await single.DisposeAsync();
                    }

                    if (modes.Contains("two"))
                    {
                        var clock = new ShiftedClock();
                        var a = ActivatorUtilities.CreateInstance<RelayEventLog>(host.Services, EventLogCommitListeners.Of(), clock);
                        var b = ActivatorUtilities.CreateInstance<RelayEventLog>(host.Services, EventLogCommitListeners.Of(), clock);
                        var shared = $"two-{c}-{k}-{Guid.NewGuid():N}"[..40];
                        await SteadyStateAsync(a, clock, shared, settings, LogTables());
                        var acked = new System.Collections.Concurrent.ConcurrentDictionary<string, long>();
                        var twoBefore = host.Services.GetRequiredService<RelayStats>().Snapshot();
                        var twoCpu = CpuMeter.Start(azurite);
                        var two = await ClosedLoop.RunAsync($"log-2x {k}/call", c, settings.Warmup, settings.Duration, (w, n) => AppendAsync(w % 2 == 0 ? a : b, shared, k, n, acked));
                        var twoCost = twoCpu.PerThousand(host.Services.GetRequiredService<RelayStats>().Snapshot().Accepted - twoBefore.Accepted);
                        var check = await CheckStreamAsync(a, shared, acked);
                        Say(two.Row(string.Create(CultureInfo.InvariantCulture, $"two instances, one stream: {two.PerSecond * k:0} events/s = {two.PerSecond * k / entityRate:P0} of the baseline; {twoCost} events; {check}")));
                        await a.DisposeAsync();
                        await b.DisposeAsync();
                    }
                }
            }
        }

        if (modes.Contains("latency"))
        {
            Say("");
            Say(string.Create(CultureInfo.InvariantCulture, $"Latency (open loop, {settings.Rate} calls/s of 1 event, {settings.Duration.TotalSeconds:0} s after {settings.Warmup.TotalSeconds:0} s warm-up): append start → commit listener (durable, the push's start) and → call answered (at the commit since 2026-12-03; before, after the queue hand-off)."));
            Say("");
            Say("| variant | events | durable p50 / p90 / p99 ms | answered p50 / p99 ms | events/commit | failed |");
            Say("|---|---:|---:|---:|---:|---:|");
            for (var repeat = 0; repeat < settings.Repeats; repeat++)
            {
                Say(await LatencyRowAsync(host.Services, settings, LogTables()));
            }
        }

        Say("");
        Say("Before the rows, " + string.Join("; ", warmUps) + ".");
        Say("");
        Say("Bytes stored per event (Azure's entity size formula over the stream's partitions, 1,030-byte event JSON data):");
        foreach (var note in bytesNotes)
        {
            Say("- " + note);
        }

        if (!ClosedLoop.Errors.IsEmpty)
        {
            Say("");
            Say("Failed operations by kind: " + string.Join(", ", ClosedLoop.Errors.Select(e => $"{e.Key} × {e.Value}")) + ".");
        }

        var results = Directory.CreateDirectory(Path.Combine(root, "bench", "results")).FullName;
        var file = Path.Combine(results, $"eventlog-{DateTimeOffset.UtcNow:yyyyMMdd-HHmmss}.md");
        await File.WriteAllTextAsync(file, report.ToString());
        Console.WriteLine($"Written to {file}");
        return 0;
    }

    private static readonly string Payload = new('x', 1000);

    /// <summary>Entities written to the warm-up's raw table so far (the filled-table row reports it).</summary>
    private static long _rawRowsInWarmUpTable;

    private static async Task<string> LatencyRowAsync(IServiceProvider services, BenchSettings settings, int fortnights)
    {
        var durable = new System.Collections.Concurrent.ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var listener = new RecordingListener(durable);
        var clock = new ShiftedClock();
        var log = ActivatorUtilities.CreateInstance<RelayEventLog>(services, EventLogCommitListeners.Of(listener), clock);
        var stream = $"lat-{Guid.NewGuid():N}"[..30];
        await SteadyStateAsync(log, clock, stream, settings, fortnights);
        var stats = services.GetRequiredService<RelayStats>();
        var starts = new System.Collections.Concurrent.ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var answered = new System.Collections.Concurrent.ConcurrentBag<double>();
        var failed = 0;
        var calls = new List<Task>();
        var interval = Stopwatch.Frequency / (double)settings.Rate;
        var warm = (long)(settings.Warmup.TotalSeconds * settings.Rate);
        var total = warm + (long)(settings.Duration.TotalSeconds * settings.Rate);
        RelayStatsSnapshot? before = null;
        var begin = Stopwatch.GetTimestamp();
        for (long n = 0; n < total; n++)
        {
            if (n == warm)
            {
                before = stats.Snapshot();
            }

            var due = begin + (long)(n * interval);
            while (Stopwatch.GetTimestamp() < due)
            {
                await Task.Delay(1);
            }

            var measured = n >= warm;
            var id = string.Create(CultureInfo.InvariantCulture, $"{stream}-{n}");
            calls.Add(Task.Run(async () =>
            {
                var start = Stopwatch.GetTimestamp();
                if (measured)
                {
                    starts[id] = start;
                }

                try
                {
                    await log.AppendAsync([Event(id, stream, n)], CancellationToken.None);
                    if (measured)
                    {
                        answered.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    }
                }
                catch (EventLogUnavailableException)
                {
                    Interlocked.Increment(ref failed);
                }
            }));
        }

        await Task.WhenAll(calls);
        var after = stats.Snapshot();
        var perCommit = (after.Accepted - before!.Accepted) / (double)Math.Max(1, after.Commits - before.Commits);
        var lat = starts.Where(s => durable.ContainsKey(s.Key)).Select(s => Stopwatch.GetElapsedTime(s.Value, durable[s.Key]).TotalMilliseconds).Order().ToList();
        var ans = answered.Order().ToList();
        static double P(List<double> sorted, double p) => sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
        await log.DisposeAsync();
        return string.Create(CultureInfo.InvariantCulture,
            $"| {(settings.WindowStart ? "first day of an index window" : "steady state")} | {lat.Count} | {P(lat, 50):0.0} / {P(lat, 90):0.0} / {P(lat, 99):0.0} | {P(ans, 50):0.0} / {P(ans, 99):0.0} | {perCommit:0.0} | {failed} |");
    }

    /// <summary>The baseline's unit of work: one entity-group transaction adding 100 entities of ~1 KiB.</summary>
    private static Task RawBatchAsync(TableClient raw, string partition, long n) =>
        raw.SubmitTransactionAsync(Enumerable.Range(0, 100).Select(i =>
            new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(partition, $"{n:D19}-{i:D3}") { ["Data"] = Payload })));

    /// <summary>
    /// The unmeasured rounds: the raw batches, then the log at each call size (one instance, a stream of its own), each
    /// for the warm-up time, until a round compiles almost nothing, so that the measured rows run on optimised code in
    /// both processes. Returns the warm-up's summary for the report.
    /// </summary>
    private static async Task<string> WarmUpAsync(IServiceProvider services, TableClient raw, int concurrency, BenchSettings settings)
    {
        Console.Error.WriteLine("warm-up rounds (not measured), until the JIT is quiet");
        var none = TimeSpan.Zero;
        return await JitWarmUp.UntilQuietAsync(async round =>
        {
            await ClosedLoop.RunAsync("warm raw", concurrency, none, settings.Warmup, async (w, n) =>
            {
                await RawBatchAsync(raw, $"warm{round}-{w}", n);
                Interlocked.Add(ref _rawRowsInWarmUpTable, 100);
                return true;
            });
            foreach (var k in settings.Sizes)
            {
                var clock = new ShiftedClock();
                await using var log = ActivatorUtilities.CreateInstance<RelayEventLog>(services, EventLogCommitListeners.Of(), clock);
                var stream = $"warm-{concurrency}-{k}-{Guid.NewGuid():N}"[..40];
                await SteadyStateAsync(log, clock, stream, settings, 0);
                await ClosedLoop.RunAsync($"warm log {k}/call", concurrency, none, settings.Warmup, (_, n) => AppendAsync(log, stream, k, n));
            }
        });
    }

    /// <summary>
    /// Steady state: the stream gets its first event "yesterday" (the clock shifted back a day), so the measured commits
    /// run with a previous day's bucket, as a stream does every day after its first. With <c>--window-start</c> the measured
    /// day is the first day of an id-index window (claims in two windows). <paramref name="fortnights"/> moves the measured
    /// day that many 14-day steps on: a day bucket and index windows (the current one and the one before) that no other
    /// step writes, with the day's place in its window unchanged.
    /// </summary>
    private static async Task SteadyStateAsync(RelayEventLog log, ShiftedClock clock, string stream, BenchSettings settings, int fortnights)
    {
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var measuredDay = (settings.WindowStart ? WindowStartAfter(today) : WindowMiddleFrom(today)).AddDays(14 * fortnights);
        clock.Offset = TimeSpan.FromDays(measuredDay.DayNumber - today.DayNumber - 1);
        await log.AppendAsync([Event(stream + "-yesterday", stream, 0)], CancellationToken.None);
        clock.Offset = TimeSpan.FromDays(measuredDay.DayNumber - today.DayNumber);
    }

    // Index windows are 7 days from DayNumber 0 (docs/event-log.md); the old layout has none, so any day is "steady".
    private static DateOnly WindowStartAfter(DateOnly day) => DateOnly.FromDayNumber(day.DayNumber + 7 - (day.DayNumber % 7));

    private static DateOnly WindowMiddleFrom(DateOnly day) => day.DayNumber % 7 is 0 or 1 ? day.AddDays(2) : day;

    /// <summary>The system clock, shifted by whole days (steady-state rows).</summary>
    private sealed class ShiftedClock : TimeProvider
    {
        public TimeSpan Offset { get; set; }

        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset;
    }

    private static IncomingEvent Event(string id, string stream, long n) =>
        new(id, stream, "Order.Created", "/bench/orders", "orders/" + id, DateTimeOffset.UnixEpoch,
            Encoding.UTF8.GetBytes("{\"n\":" + n.ToString(CultureInfo.InvariantCulture) + ",\"pad\":\"" + Payload + "\"}"), false, EventSchema.EventGrid);

    /// <summary>Records when each event was told to the commit listeners (durable).</summary>
    private sealed class RecordingListener(System.Collections.Concurrent.ConcurrentDictionary<string, long> durable) : IEventLogCommitListener
    {
        public void OnCommitted(CommittedEvents committed)
        {
            var now = Stopwatch.GetTimestamp();
            foreach (var e in committed.Events)
            {
                durable.TryAdd(e.Id, now);
            }
        }
    }

    private static async Task<bool> AppendAsync(RelayEventLog log, string stream, int k, long n, System.Collections.Concurrent.ConcurrentDictionary<string, long>? acked = null)
    {
        var events = Enumerable.Range(0, k).Select(i =>
        {
            var id = string.Create(CultureInfo.InvariantCulture, $"{stream}-{n}-{i}");
            return new IncomingEvent(id, stream, "Order.Created", "/bench/orders", "orders/" + id, DateTimeOffset.UnixEpoch,
                Encoding.UTF8.GetBytes("{\"n\":" + n.ToString(CultureInfo.InvariantCulture) + ",\"pad\":\"" + Payload + "\"}"), false, EventSchema.EventGrid);
        }).ToList();
        var result = await log.AppendAsync(events, CancellationToken.None);
        if (acked is not null)
        {
            foreach (var e in result.Events)
            {
                acked[e.Id] = e.Seq;
            }
        }

        return true;
    }

    private static async Task<string> CheckStreamAsync(RelayEventLog log, string stream, System.Collections.Concurrent.ConcurrentDictionary<string, long> acked)
    {
        var stored = new List<StoredEvent>();
        while (true)
        {
            var page = await log.ReadAfterAsync(stream, stored.Count == 0 ? 0 : stored[^1].Seq, RelayEventLog.MaxReadLimit, CancellationToken.None);
            if (page.Count == 0)
            {
                break;
            }

            stored.AddRange(page);
        }

        var gapFree = stored.Select((e, i) => e.Seq == i + 1).All(x => x);
        var distinct = stored.Select(e => e.Id).Distinct().Count() == stored.Count;
        var ackedMatch = acked.All(kv => kv.Value <= stored.Count && stored[(int)kv.Value - 1].Id == kv.Key);
        return string.Create(CultureInfo.InvariantCulture,
            $"stored {stored.Count}, seqs gap-free {(gapFree ? "yes" : "NO")}, ids distinct {(distinct ? "yes" : "NO")}, every acked id at its seq {(ackedMatch ? "yes" : "NO")} ({acked.Count} acked)");
    }

    private static async Task<string> BytesPerEventAsync(IServiceProvider services, string stream, long events)
    {
        var storage = services.GetRequiredService<DashboardStorage>();
        long bytes = 0, entities = 0;
        await foreach (var table in storage.Tables.QueryAsync(TableServiceClient.CreateQueryFilter($"TableName ge {storage.Name("evidx")} and TableName lt {storage.Name("evlog~")}")))
        {
            var client = storage.Tables.GetTableClient(table.Name);
            var filter = TableClient.CreateQueryFilter($"(PartitionKey eq {stream}) or (PartitionKey ge {stream + "~ix"} and PartitionKey lt {stream + "~iy"})");
            await foreach (var e in client.QueryAsync<TableEntity>(filter))
            {
                bytes += EntitySize(e);
                entities++;
            }
        }

        var stored = Math.Max(1, events);
        return string.Create(CultureInfo.InvariantCulture, $"{stream}: {events} events in {entities} entities, {bytes / (double)stored:0} bytes/event ({entities / (double)stored:0.00} entities/event)");
    }

    /// <summary>Azure's formula: 4 + 2 × (len(PK) + len(RK)) + 4 + per property 8 + 2 × len(name) + value.</summary>
    private static long EntitySize(TableEntity e)
    {
        long size = 4 + (2 * (e.PartitionKey.Length + e.RowKey.Length)) + 4;
        foreach (var (name, value) in e)
        {
            if (name is "PartitionKey" or "RowKey" or "Timestamp" or "odata.etag")
            {
                continue;
            }

            size += 8 + (2 * name.Length) + value switch
            {
                string s => (2 * s.Length) + 4,
                byte[] b => b.Length + 4,
                BinaryData b => b.ToMemory().Length + 4,
                long or double or DateTimeOffset or DateTime => 8,
                int => 4,
                bool => 1,
                _ => 8,
            };
        }

        return size;
    }

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
