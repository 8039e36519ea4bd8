using System.Diagnostics;
using System.Globalization;

namespace FunctionsDashboard.SseBench;

/// <summary>
/// The load generator: for each repetition, each mode in turn (the order rotates between repetitions, so no mode always
/// runs first or last) gets a fresh server process; after a warm-up it samples the server idle, then at each client
/// count. Every loop and wait is bounded; every server process is stopped, also on failure.
/// </summary>
public static class SseMemoryBenchmark
{
    private static readonly TimeSpan ServerStartTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan PerConnectionTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan SampleTimeout = TimeSpan.FromMinutes(2);

    /// <summary>Exit code when a baseline moved more than the tolerance between repetitions.</summary>
    public const int BaselineUnstable = 2;

    /// <summary>Runs the benchmark, prints the report and writes it to <see cref="BenchSettings.Output"/>.</summary>
    public static async Task<int> RunAsync(BenchSettings settings)
    {
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };

        var started = DateTimeOffset.UtcNow;
        var runs = new List<ModeRun>();
        for (var repetition = 1; repetition <= settings.Repetitions; repetition++)
        {
            foreach (var mode in Rotate(settings.Modes, repetition - 1))
            {
                runs.Add(await MeasureAsync(settings, repetition, mode, stop.Token));
            }
        }

        var report = new MarkdownReport(settings, runs, started, DateTimeOffset.UtcNow);
        var text = report.Render();
        Console.WriteLine(text);
        if (settings.Output is { } output)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
            await File.WriteAllTextAsync(output, text);
            Progress($"report written to {output}");
        }

        foreach (var failure in report.BaselineFailures)
        {
            await Console.Error.WriteLineAsync($"BASELINE UNSTABLE: {failure}");
        }

        return report.BaselineFailures.Count == 0 ? 0 : BaselineUnstable;
    }

    private static async Task<ModeRun> MeasureAsync(BenchSettings settings, int repetition, ServerMode mode, CancellationToken cancellationToken)
    {
        var label = $"rep {repetition}/{settings.Repetitions} {mode.Name(),-8}";
        await using var server = await ServerProcess.StartAsync(mode, settings, ServerStartTimeout, cancellationToken);
        Progress($"{label} server pid {server.Id} on {server.EndPoint}");
        using var clients = new IdleClients(mode, server.EndPoint);
        try
        {
            if (settings.WarmUp > 0)
            {
                await clients.GrowToAsync(settings.WarmUp, settings.Concurrency, PerConnectionTimeout, StepTimeout, cancellationToken);
                clients.CloseAll();
            }

            await Task.Delay(settings.Settle, cancellationToken);
            var idle = await SampleAsync(server, 0, cancellationToken);
            Progress($"{label} N={0,6}  {Describe(idle)}");

            var steps = new List<StepResult>();
            foreach (var count in settings.Counts)
            {
                var watch = Stopwatch.StartNew();
                var retries = await clients.GrowToAsync(count, settings.Concurrency, PerConnectionTimeout, StepTimeout, cancellationToken);
                var connectSeconds = watch.Elapsed.TotalSeconds;
                await Task.Delay(settings.Settle, cancellationToken);
                var sample = await SampleAsync(server, count, cancellationToken);
                steps.Add(new StepResult(count, sample, connectSeconds, retries));
                Progress($"{label} N={count,6}  {Describe(sample)}  connect {connectSeconds:0.0} s{(retries > 0 ? $", {retries} retries" : "")}");
            }

            MemorySample? held = null;
            if (settings.Hold > TimeSpan.Zero)
            {
                await Task.Delay(settings.Hold, cancellationToken);
                held = await SampleAsync(server, clients.Count, cancellationToken);
                Progress($"{label} N={clients.Count,6}  {Describe(held)}  after holding {settings.Hold.TotalSeconds:0} s");
            }

            return new ModeRun(repetition, mode, idle, steps, held);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new InvalidOperationException($"{label}: {e.Message}\nserver output:\n{server.LastLines()}", e);
        }
        finally
        {
            // Clients first, so the server's requests end before it is asked to stop.
            clients.CloseAll();
        }
    }

    private static async Task<MemorySample> SampleAsync(ServerProcess server, int clients, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(SampleTimeout);
        var sample = await server.SampleAsync(timeout.Token);

        // The diagnostics request is in flight itself; anything less than every client means responses ended early.
        if (sample.ActiveRequests - 1 < clients)
        {
            throw new InvalidOperationException($"The server holds {sample.ActiveRequests - 1} client requests, expected {clients}: responses ended while measuring.");
        }

        return sample;
    }

    private static IEnumerable<ServerMode> Rotate(IReadOnlyList<ServerMode> modes, int by) =>
        modes.Skip(by % modes.Count).Concat(modes.Take(by % modes.Count));

    private static string Describe(MemorySample s) => string.Create(
        CultureInfo.InvariantCulture,
        $"heap {Mib(s.ManagedHeapBytes)} MiB, gc heap {Mib(s.GcHeapSizeBytes)} MiB, ws {Mib(s.WorkingSetBytes)} MiB, private {Mib(s.PrivateBytes)} MiB, conns {s.ActiveConnections}, reqs {s.ActiveRequests}");

    private static string Mib(long bytes) => (bytes / 1024d / 1024d).ToString("0.0", CultureInfo.InvariantCulture);

    private static void Progress(string message) => Console.Error.WriteLine($"[sse-bench {DateTimeOffset.UtcNow:HH:mm:ss}] {message}");
}
