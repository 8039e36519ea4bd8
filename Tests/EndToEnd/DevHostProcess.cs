using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace FunctionsDashboard.Tests.EndToEnd;

/// <summary>
/// DevHost as a separate PROCESS (the built <c>FunctionsDashboard.DevHost.dll</c>), as a second app instance would be:
/// its own memory, its own senders, only storage (and the SignalR Service) shared. Settings go on the command line, which
/// ranks above local.settings.sample.json as under Core Tools. <see cref="StartAsync"/> returns once it is ready.
/// </summary>
internal sealed partial class DevHostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output;

    private DevHostProcess(Process process, ConcurrentQueue<string> output, Uri baseAddress)
    {
        _process = process;
        _output = output;
        BaseAddress = baseAddress;
        Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    public int ProcessId => _process.Id;

    /// <summary>The last lines the process wrote (for failure messages).</summary>
    public string Tail => string.Join('\n', _output.TakeLast(40));

    /// <summary>
    /// Starts DevHost on <paramref name="port"/> (0: a free port Kestrel picks, read from its "Now listening on" line)
    /// with <paramref name="settings"/> (configuration keys, e.g. <c>Storage:Prefix</c>).
    /// </summary>
    public static async Task<DevHostProcess> StartAsync(int port, IReadOnlyDictionary<string, string> settings)
    {
        var dll = Path.Combine(RepoPaths.Root, "artifacts", "bin", "DevHost", RepoPaths.Configuration, "FunctionsDashboard.DevHost.dll");
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"DevHost is not built ({dll}): build the solution first.");
        }

        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = RepoPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var (key, value) in new Dictionary<string, string>(settings)
        {
            ["urls"] = $"http://127.0.0.1:{port}",
            ["DevHost:Root"] = RepoPaths.Root,
            ["DevHost:SettingsFile"] = "local.settings.sample.json", // never a developer's local.settings.json
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information", // the "Now listening on" line
        })
        {
            start.ArgumentList.Add($"--{key}={value}");
        }

        start.Environment.Remove("AzureWebJobsStorage");
        start.Environment.Remove("AzureSignalRConnectionString");
        var output = new ConcurrentQueue<string>();
        var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start dotnet");
        process.OutputDataReceived += (_, e) => Keep(output, e.Data);
        process.ErrorDataReceived += (_, e) => Keep(output, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var listening = await Eventually.WaitAsync(
                () => Task.FromResult(output.Select(l => ListeningLine().Match(l)).FirstOrDefault(m => m.Success)?.Groups[1].Value ?? (process.HasExited ? "exited" : null)),
                p => p is not null,
                TimeSpan.FromSeconds(90),
                "DevHost to listen");
            if (listening == "exited")
            {
                throw new InvalidOperationException($"DevHost exited with {process.ExitCode}:\n{string.Join('\n', output)}");
            }

            var host = new DevHostProcess(process, output, new Uri($"http://127.0.0.1:{listening}"));
            await Eventually.WaitAsync(
                async () =>
                {
                    using var health = await host.Client.GetAsync("/api/health");
                    return health.IsSuccessStatusCode;
                },
                ready => ready,
                TimeSpan.FromSeconds(90),
                $"DevHost on {host.BaseAddress} to be ready");
            return host;
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static void Keep(ConcurrentQueue<string> output, string? line)
    {
        if (line is null)
        {
            return;
        }

        output.Enqueue(line);
        while (output.Count > 400 && output.TryDequeue(out _))
        {
        }
    }

    [GeneratedRegex(@"Now listening on: http://127\.0\.0\.1:(\d+)")]
    private static partial Regex ListeningLine();
}
