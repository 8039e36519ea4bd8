using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.SignalR.Client;

namespace FunctionsDashboard.Tests.DevHost.Hosting;

/// <summary>
/// Issue 13 item 2: Ctrl-C on the real <c>./run.sh</c> stops DevHost and then Azurite within 5 s, with 20 SignalR and
/// 20 SSE clients connected and events being published, and prints no stack trace on the way out. Ctrl-C is simulated
/// the way a terminal delivers it: SIGINT to the script's whole process group.
/// </summary>
public sealed partial class RunScriptShutdownTests
{
    private const int Clients = 20;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task CtrlC_WithClientsAndWorkInFlight_StopsDevHostThenAzuriteWithin5s_Issue13()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // process groups are made with setsid and read from /proc: Linux only
        }

        var port = AzuriteFixture.FreePort();
        var data = Directory.CreateTempSubdirectory("run-sh-azurite-");
        var output = new ConcurrentQueue<(TimeSpan At, string Line)>();
        var clock = Stopwatch.StartNew();
        var start = new ProcessStartInfo("setsid", ["bash", Path.Combine(RepoPaths.Root, "run.sh")])
        {
            WorkingDirectory = RepoPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        start.Environment["PORT"] = port.ToString(CultureInfo.InvariantCulture);
        start.Environment["AZURITE_BLOB_PORT"] = AzuriteFixture.FreePort().ToString(CultureInfo.InvariantCulture);
        start.Environment["AZURITE_QUEUE_PORT"] = AzuriteFixture.FreePort().ToString(CultureInfo.InvariantCulture);
        start.Environment["AZURITE_TABLE_PORT"] = AzuriteFixture.FreePort().ToString(CultureInfo.InvariantCulture);
        start.Environment["AZURITE_LOCATION"] = data.FullName;
        start.Environment["RUN_SKIP_BUILD"] = "1";
        start.Environment["DevHost__SettingsFile"] = "local.settings.sample.json";
        start.Environment.Remove("AzureWebJobsStorage");

        using var script = Process.Start(start)!;
        // The script's output is read on two threads of their own, not on the thread pool: with the whole suite running
        // beside this test a starved pool could stop draining the pipes, and a script blocked writing to a full pipe
        // cannot stop (its log lines come right after Ctrl-C).
        var readers = new[] { script.StandardOutput, script.StandardError }.Select(reader =>
        {
            var thread = new Thread(() =>
            {
                while (reader.ReadLine() is { } line)
                {
                    output.Enqueue((clock.Elapsed, line));
                }
            }) { IsBackground = true };
            thread.Start();
            return thread;
        }).ToList();
        int? devHostPid = null, azuritePid = null;
        var clients = new List<HubConnection>();
        using var work = new CancellationTokenSource();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        try
        {
            await Eventually.WaitAsync(() => Task.FromResult(output.Any(l => l.Line.Contains("FunctionsDashboard is up", StringComparison.Ordinal)) || script.HasExited), done => done, TimeSpan.FromSeconds(90), "run.sh to report DevHost up");
            Assert.False(script.HasExited, "run.sh ended before DevHost was up:\n" + Text(output));
            devHostPid = Pid(output, "DevHost");
            azuritePid = Pid(output, "Azurite");
            await Eventually.WaitAsync(async () => (await http.GetAsync("/api/health")).IsSuccessStatusCode, ok => ok, TimeSpan.FromSeconds(60), "DevHost ready");

            // Ctrl-C must not reach Azurite: it sits in its own process group, so the script can stop it after DevHost.
            Assert.NotEqual(ProcessGroup(script.Id), ProcessGroup(azuritePid.Value));
            Assert.Equal(script.Id, ProcessGroup(script.Id));
            Assert.Equal(script.Id, ProcessGroup(devHostPid.Value));

            clients.AddRange(await Task.WhenAll(Enumerable.Range(0, Clients).Select(async _ =>
            {
                var connection = new HubConnectionBuilder().WithUrl(new Uri(http.BaseAddress!, "api")).Build();
                await connection.StartAsync();
                return connection;
            })));
            var sseOpen = 0;
            var sse = Enumerable.Range(0, Clients).Select(_ => Task.Run(async () =>
            {
                using var response = await http.GetAsync("/api/events", HttpCompletionOption.ResponseHeadersRead, work.Token);
                response.EnsureSuccessStatusCode();
                Interlocked.Increment(ref sseOpen);
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(work.Token));
                while (await reader.ReadLineAsync(work.Token) is not null)
                {
                }
            })).ToList();
            var eventsPosted = 0;
            var publisher = Task.Run(async () =>
            {
                while (!work.IsCancellationRequested)
                {
                    await EventPoster.PostAsync(http, "urn:shutdown", Enumerable.Range(0, 5).Select(_ => Guid.NewGuid().ToString("N")));
                    Interlocked.Add(ref eventsPosted, 5);
                }
            });
            var heartbeats = clients.Select(c => Task.Run(async () =>
            {
                while (!work.IsCancellationRequested)
                {
                    await c.InvokeAsync("heartbeat");
                }
            })).ToList();
            await Eventually.WaitAsync(() => Task.FromResult(Volatile.Read(ref sseOpen) == Clients && Volatile.Read(ref eventsPosted) >= 50), ok => ok, TimeSpan.FromSeconds(60), "20 SSE streams open and events flowing");
            Assert.All(clients, c => Assert.Equal(HubConnectionState.Connected, c.State));

            var signalledAt = clock.Elapsed;
            Assert.Equal(0, Kill(-script.Id, Sigint));
            Assert.True(script.WaitForExit(TimeSpan.FromSeconds(30)), "run.sh did not end within 30 s of Ctrl-C:\n" + Text(output));
            var scriptDone = clock.Elapsed - signalledAt;
            readers.ForEach(r => r.Join(TimeSpan.FromSeconds(10))); // the redirected output read to its end
            await Eventually.WaitAsync(() => Task.FromResult(!Alive(devHostPid.Value) && !Alive(azuritePid.Value)), gone => gone, TimeSpan.FromSeconds(10), "DevHost and Azurite gone");
            var allGone = clock.Elapsed - signalledAt;
            work.Cancel();
            await Task.WhenAll(sse.Concat(heartbeats).Append(publisher).Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));

            var after = output.Where(l => l.At >= signalledAt).ToList();
            var devHostStopped = after.FindIndex(l => l.Line.Contains("DevHost stopped", StringComparison.Ordinal));
            var azuriteStopped = after.FindIndex(l => l.Line.Contains("Azurite stopped", StringComparison.Ordinal));
            var report = new StringBuilder()
                .AppendLine("# Ctrl-C on ./run.sh (Tests/DevHost/Hosting/RunScriptShutdownTests)")
                .AppendLine()
                .AppendLine(CultureInfo.InvariantCulture, $"{Clients} SignalR clients invoking `heartbeat` in a loop, {Clients} SSE streams, a publisher posting 5-event batches ({eventsPosted} events before the signal).")
                .AppendLine()
                .AppendLine("| Step | Time after SIGINT |")
                .AppendLine("|---|---|")
                .AppendLine(CultureInfo.InvariantCulture, $"| DevHost stopped | {Ms(after, devHostStopped, signalledAt)} |")
                .AppendLine(CultureInfo.InvariantCulture, $"| Azurite stopped | {Ms(after, azuriteStopped, signalledAt)} |")
                .AppendLine(CultureInfo.InvariantCulture, $"| run.sh exited | {scriptDone.TotalMilliseconds:F0} ms |")
                .AppendLine(CultureInfo.InvariantCulture, $"| every process gone | {allGone.TotalMilliseconds:F0} ms |")
                .AppendLine()
                .AppendLine("Output after the signal:")
                .AppendLine("```")
                .AppendLine(string.Join('\n', after.Select(l => l.Line)))
                .AppendLine("```");
            await File.WriteAllTextAsync(Path.Combine(RepoPaths.TestOutput, "run-ctrl-c.md"), report.ToString());

            var text = Text(after);
            Assert.True(devHostStopped >= 0 && azuriteStopped > devHostStopped, "DevHost must stop before Azurite:\n" + text);
            Assert.True(allGone <= Budget, $"everything should be gone within {Budget.TotalSeconds} s of Ctrl-C, took {allGone.TotalMilliseconds:F0} ms:\n" + text);
            Assert.DoesNotContain(after, l => StackFrame().IsMatch(l.Line) || l.Line.Contains("Unhandled exception", StringComparison.OrdinalIgnoreCase));
            Assert.DoesNotContain(after, l => l.Line.StartsWith("fail:", StringComparison.Ordinal) || l.Line.StartsWith("crit:", StringComparison.Ordinal));
            Assert.DoesNotContain(after, l => l.Line.Contains("killing it", StringComparison.Ordinal));
        }
        finally
        {
            await work.CancelAsync();
            foreach (var c in clients)
            {
                await c.DisposeAsync();
            }

            if (!script.HasExited)
            {
                Kill(-script.Id, Sigkill);
            }

            foreach (var pid in new[] { devHostPid, azuritePid })
            {
                if (pid is { } p && Alive(p))
                {
                    Kill(p, Sigkill);
                }
            }

            data.Delete(recursive: true);
        }
    }

    private const int Sigint = 2;
    private const int Sigkill = 9;

    /// <summary>kill(1): a negative pid signals that process group, as a terminal's Ctrl-C does.</summary>
    private static int Kill(int pid, int signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", "--", pid.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        return kill.ExitCode;
    }

    [GeneratedRegex(@"^\s+at \S.*\)")]
    private static partial Regex StackFrame();

    private static int Pid(IEnumerable<(TimeSpan At, string Line)> output, string name)
    {
        var line = output.Select(l => l.Line).First(l => l.Contains($"{name} pid ", StringComparison.Ordinal));
        return int.Parse(Regex.Match(line, $@"{name} pid (\d+)").Groups[1].Value, CultureInfo.InvariantCulture);
    }

    /// <summary>Field 5 of /proc/PID/stat (after the parenthesised command name): the process group.</summary>
    private static int ProcessGroup(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[2], CultureInfo.InvariantCulture);
    }

    /// <summary>Running, and not a zombie waiting to be reaped.</summary>
    private static bool Alive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[stat.LastIndexOf(')') + 2] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static string Ms(List<(TimeSpan At, string Line)> lines, int index, TimeSpan from) =>
        index < 0 ? "not seen" : string.Create(CultureInfo.InvariantCulture, $"{(lines[index].At - from).TotalMilliseconds:F0} ms");

    private static string Text(IEnumerable<(TimeSpan At, string Line)> output) => string.Join('\n', output.Select(l => l.Line));
}
