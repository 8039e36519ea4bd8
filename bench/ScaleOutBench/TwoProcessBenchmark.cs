using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.SignalR.Client;

namespace FunctionsDashboard.Bench;

/// <summary>
/// Issue 11 item 6, the benchmark row: closed-loop publishing of CloudEvents to the webhook of one DevHost process
/// (baseline) and of two DevHost processes sharing one Azurite and one SignalR Service (workers alternate between them),
/// all into ONE stream, with one SignalR client. Reported: events/s acknowledged (and as a share of the same run's raw
/// 100-entity batch rate on the same Azurite), call latency, publish → client latency (from the moment the publish request
/// is sent: the push may reach the client before the webhook's answer), and the checks: acknowledged seqs gap-free with
/// one seq per id, every event at the client, seq inversions at the client.
/// </summary>
internal static partial class TwoProcessBenchmark
{
    private const string Secret = "local-dev-secret";
    private const string AccessKey = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH";

    /// <param name="Duration">The measured part of a row.</param>
    /// <param name="Warmup">The unmeasured start of a row's closed loop.</param>
    /// <param name="Concurrency">Requests in flight.</param>
    /// <param name="PerRequest">Events per request.</param>
    /// <param name="JitConcurrency">Requests in flight in the JIT warm-up rounds before a row.</param>
    /// <param name="JitPerRequest">Events per request in those rounds.</param>
    internal sealed record Settings(TimeSpan Duration, TimeSpan Warmup, int Concurrency, int PerRequest, int JitConcurrency, int JitPerRequest);

    public static string Header =>
        "| processes | events/s | vs raw-batch entities/s | call p50 / p99 ms | publish → client p50 / p99 ms | events | gap-free, one seq per id | at the client | inversions (raw / after dedupe) | before and in the row |\n" +
        "|---:|---:|---:|---:|---:|---:|---|---|---:|---|";

    /// <summary>The baseline: entity-group transactions of 100 <c>Add</c> entities of ~1 KiB, one partition per worker (entities/s).</summary>
    public static async Task<double> RawBatchAsync(string storage, Settings settings)
    {
        var table = new Azure.Data.Tables.TableServiceClient(storage).GetTableClient("raw" + Guid.NewGuid().ToString("N")[..8]);
        await table.CreateIfNotExistsAsync();
        var payload = new string('x', 1000);
        var result = await ClosedLoop.RunAsync("raw-batch-100", settings.Concurrency, settings.Warmup, settings.Duration, async (w, n) =>
        {
            await table.SubmitTransactionAsync(Enumerable.Range(0, 100).Select(i => new Azure.Data.Tables.TableTransactionAction(
                Azure.Data.Tables.TableTransactionActionType.Add, new Azure.Data.Tables.TableEntity($"p{w}", $"{n:D19}-{i:D3}") { ["Data"] = payload })));
            return true;
        });
        await table.DeleteAsync();
        return result.PerSecond * 100;
    }

    public static async Task<string> RunAsync(string root, string storage, int processes, Settings settings)
    {
        var prefix = "x" + Guid.NewGuid().ToString("N")[..8];
        var portA = LocalAzurite.FreePort();
        var signalR = $"Endpoint=http://127.0.0.1:{portA}/localsignalr;AccessKey={AccessKey};Version=1.0;";
        var hosts = new List<(Process Process, HttpClient Client)>();
        var jits = new List<ProcessJit>();
        try
        {
            for (var i = 0; i < processes; i++)
            {
                hosts.Add(await StartAsync(root, i == 0 ? portA : 0, storage, prefix, signalR, ownSignalR: i == 0));
            }

            var received = new ConcurrentQueue<(string Id, long Seq, long At)>();
            await using var connection = new HubConnectionBuilder().WithUrl(new Uri(hosts[0].Client.BaseAddress!, "api")).Build();
            void Receive(JsonElement e) => received.Enqueue((e.GetProperty("id").GetString()!, e.GetProperty("seq").GetInt64(), Stopwatch.GetTimestamp()));
            connection.On<JsonElement>("event", Receive);
            connection.On<JsonElement[]>("events", batch => Array.ForEach(batch, Receive));
            await connection.StartAsync();
            for (var probe = 0; received.IsEmpty; probe++)
            {
                if (probe > 300)
                {
                    throw new InvalidOperationException("no push reached the client");
                }

                await PostAsync(hosts[probe % hosts.Count].Client, "/bench/probe", [$"probe-{probe}"]);
                await Task.Delay(100);
            }

            // Warm-up rounds (another stream) until the DevHost processes compile almost nothing: fresh processes under load
            // compile their hot methods again at tier 1 for tens of seconds, two processes on two cores twice over.
            // The rounds run at a light load (--jit-concurrency, --jit-per-request): compiling takes the same calls, and the
            // fewer events they leave in the log's tables (the row's day bucket and id-index window: DevHost runs on the real
            // clock), the closer those tables are to the baseline's new one. The row reports what the DevHost processes
            // still compiled in its closed loop, so a warm-up too light to reach the row's code would show.
            jits.AddRange(hosts.Select(h => ProcessJit.Start(h.Process.Id)));
            TimeSpan JitTime() => jits.Aggregate(TimeSpan.Zero, (sum, jit) => sum + jit.Compiled);
            long warmUpEvents = 0;
            var warmUp = await JitWarmUp.UntilQuietAsync(
                _ => ClosedLoop.RunAsync("warm-up", settings.JitConcurrency, TimeSpan.Zero, TimeSpan.FromSeconds(4), async (worker, n) =>
                {
                    var ok = await PostAsync(hosts[worker % hosts.Count].Client, "/bench/warm", [.. Enumerable.Range(0, settings.JitPerRequest).Select(i => $"w{n}-{i}")]) is not null;
                    Interlocked.Add(ref warmUpEvents, ok ? settings.JitPerRequest : 0);
                    return ok;
                }),
                jitTime: JitTime);
            if (!jits.All(jit => jit.Read))
            {
                warmUp += " (**a DevHost's JIT counter never arrived: the warm-up length is not known**)";
            }

            // The baseline right before the measured row, with Azurite and this process as warm as the row will find them, in a
            // table of its own. The log's tables hold the warm-up's events (its day bucket and id-index window cannot be new:
            // DevHost runs on the real clock), and in-memory Azurite costs more per insert the fuller a table is, so the
            // share errs against the log (docs/benchmarks.md, "Fifth quiet-machine run").
            var rawEntityRate = await RawBatchAsync(storage, settings);
            warmUp += string.Create(CultureInfo.InvariantCulture, $"; {warmUpEvents:N0} warm-up events in the log's tables");

            var acks = new ConcurrentDictionary<string, (long Seq, long At)>(StringComparer.Ordinal);
            var jitBeforeRow = JitTime();
            var seqsSeen = new ConcurrentBag<long>();
            var result = await ClosedLoop.RunAsync($"{processes} process(es)", settings.Concurrency, settings.Warmup, settings.Duration, async (worker, n) =>
            {
                var ids = Enumerable.Range(0, settings.PerRequest).Select(i => $"e{n}-{i}").ToArray();
                var at = Stopwatch.GetTimestamp(); // publish → client is timed from here, the request's start
                var answer = await PostAsync(hosts[worker % hosts.Count].Client, "/bench/one", ids);
                if (answer is null)
                {
                    return false;
                }

                foreach (var e in answer.Value.GetProperty("events").EnumerateArray())
                {
                    var seq = e.GetProperty("seq").GetInt64();
                    acks[e.GetProperty("id").GetString()!] = (seq, at);
                    seqsSeen.Add(seq);
                }

                return true;
            });
            await Task.Delay(TimeSpan.FromSeconds(1.5)); // the JIT counter comes once a second
            warmUp += string.Create(CultureInfo.InvariantCulture, $"; DevHost JIT in the row's closed loop {(JitTime() - jitBeforeRow).TotalMilliseconds:N0} ms");

            // Everything acknowledged must reach the client.
            var deadline = Stopwatch.GetTimestamp() + (60 * Stopwatch.Frequency);
            while (received.Select(r => r.Id).Where(acks.ContainsKey).Distinct().Count() < acks.Count && Stopwatch.GetTimestamp() < deadline)
            {
                await Task.Delay(200);
            }

            var mine = received.Where(r => acks.ContainsKey(r.Id)).ToList();
            var distinct = mine.Select(r => r.Id).Distinct().Count();
            var seqs = acks.Values.Select(a => a.Seq).Order().ToList();
            var gapFree = seqs.Count > 0 && seqs[0] == 1 && seqs.Zip(seqs.Skip(1)).All(p => p.Second == p.First + 1) && seqs.Count == seqs.Distinct().Count();
            var latencies = mine.GroupBy(r => r.Id).Select(g => Stopwatch.GetElapsedTime(acks[g.Key].At, g.First().At).TotalMilliseconds).Order().ToList();
            static double P(List<double> sorted, double p) => sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
            static int Inversions(IEnumerable<long> seqs)
            {
                long last = 0;
                var count = 0;
                foreach (var s in seqs)
                {
                    count += s < last ? 1 : 0;
                    last = Math.Max(last, s);
                }

                return count;
            }

            var raw = Inversions(mine.Select(r => r.Seq));
            var deduped = Inversions(mine.GroupBy(r => r.Id).Select(g => g.First().Seq));
            return string.Create(CultureInfo.InvariantCulture,
                $"| {processes} | {result.PerSecond * settings.PerRequest:N0} | {result.PerSecond * settings.PerRequest / rawEntityRate:P0} of {rawEntityRate:N0} | {result.Percentile(50):0.0} / {result.Percentile(99):0.0} | {P(latencies, 50):0.0} / {P(latencies, 99):0.0} | {acks.Count:N0} ({result.Failures} failed calls) | {(gapFree ? "yes" : "**no**")} | {distinct:N0} of {acks.Count:N0} ({mine.Count - distinct} repeats) | {raw} / {deduped} | {warmUp} |");
        }
        finally
        {
            foreach (var jit in jits)
            {
                await jit.DisposeAsync();
            }

            foreach (var (process, client) in hosts)
            {
                client.Dispose();
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync();
                }

                process.Dispose();
            }
        }
    }

    /// <summary>Posts one CloudEvents batch; retries 503 (a claim in flight) a few times. Null when it did not succeed.</summary>
    private static async Task<JsonElement?> PostAsync(HttpClient client, string source, string[] ids)
    {
        var body = JsonSerializer.Serialize(ids.Select(id => new Dictionary<string, object?>
        {
            ["specversion"] = "1.0", ["id"] = id, ["source"] = source, ["type"] = "ops.metric",
            ["time"] = "2026-11-25T12:00:00Z", ["datacontenttype"] = "application/json", ["data"] = new { value = id },
        }));
        for (var attempt = 0; attempt < 5; attempt++)
        {
            using var content = new StringContent(body, Encoding.UTF8, "application/cloudevents-batch+json");
            using var response = await client.PostAsync($"/api/eventgrid?code={Secret}", content);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return await response.Content.ReadFromJsonAsync<JsonElement>();
            }

            if (response.StatusCode != HttpStatusCode.ServiceUnavailable)
            {
                return null;
            }

            await Task.Delay(100);
        }

        return null;
    }

    private static async Task<(Process, HttpClient)> StartAsync(string root, int port, string storage, string prefix, string signalR, bool ownSignalR)
    {
        var dll = new[] { "release", "debug" }.Select(c => Path.Combine(root, "artifacts", "bin", "DevHost", c, "FunctionsDashboard.DevHost.dll")).FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("DevHost is not built: dotnet build DevHost/DevHost.csproj -c Release");
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        foreach (var (key, value) in new Dictionary<string, string>
        {
            ["urls"] = $"http://127.0.0.1:{port}",
            ["DevHost:Root"] = root,
            ["DevHost:SettingsFile"] = "local.settings.sample.json",
            ["AzureWebJobsStorage"] = storage,
            ["Storage:Prefix"] = prefix,
            ["AzureSignalRConnectionString"] = signalR,
            ["LocalSignalR:Enabled"] = ownSignalR ? "true" : "false",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information",
        })
        {
            start.ArgumentList.Add($"--{key}={value}");
        }

        var process = Process.Start(start)!;
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null && ListeningLine().Match(e.Data) is { Success: true } m)
            {
                listening.TrySetResult(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var actual = await listening.Task.WaitAsync(TimeSpan.FromSeconds(90));
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{actual}"), Timeout = TimeSpan.FromSeconds(60) };
        for (var i = 0; ; i++)
        {
            try
            {
                using var health = await client.GetAsync("/api/health");
                if (health.IsSuccessStatusCode)
                {
                    return (process, client);
                }
            }
            catch (HttpRequestException) when (i < 300)
            {
            }

            if (i >= 300)
            {
                throw new InvalidOperationException("DevHost did not become ready");
            }

            await Task.Delay(200);
        }
    }

    [GeneratedRegex(@"Now listening on: http://127\.0\.0\.1:(\d+)")]
    private static partial Regex ListeningLine();
}
