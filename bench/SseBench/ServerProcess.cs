using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

namespace FunctionsDashboard.SseBench;

/// <summary>
/// A server child process (this same executable, <c>server --mode ...</c>). Disposing it closes its standard input
/// (it then stops by itself), and kills the whole tree if it has not exited within a few seconds.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(10);
    private readonly Process _process;
    private readonly HttpClient _http;
    private readonly Queue<string> _lastLines = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServerProcess(Process process, IPEndPoint endPoint)
    {
        _process = process;
        EndPoint = endPoint;
        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1 })
        {
            BaseAddress = new Uri($"http://{endPoint}"),
            Timeout = TimeSpan.FromMinutes(2),
        };
    }

    /// <summary>Where the server listens.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>The child's process id.</summary>
    public int Id => _process.Id;

    /// <summary>Starts the server and waits until it prints its ready line (at most <paramref name="timeout"/>).</summary>
    public static async Task<ServerProcess> StartAsync(ServerMode mode, BenchSettings settings, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var port = FreePort();
        var start = new ProcessStartInfo(Environment.ProcessPath ?? "dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (string.Equals(Path.GetFileNameWithoutExtension(start.FileName), "dotnet", StringComparison.OrdinalIgnoreCase))
        {
            start.ArgumentList.Add(typeof(BenchServer).Assembly.Location);
        }

        foreach (var argument in new[] { "server", "--mode", mode.Name(), "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        if (mode == ServerMode.App)
        {
            start.ArgumentList.Add("--root");
            start.ArgumentList.Add(settings.Root);
            start.ArgumentList.Add("--storage");
            start.ArgumentList.Add(settings.Storage ?? throw new InvalidOperationException("app mode needs --storage (an Azurite connection string)."));
        }

        start.Environment["DOTNET_gcServer"] = settings.ServerGc ? "1" : "0";
        var process = Process.Start(start) ?? throw new InvalidOperationException("Cannot start the server process.");
        var server = new ServerProcess(process, new IPEndPoint(IPAddress.Loopback, port));
        process.OutputDataReceived += (_, e) => server.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => server.OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            wait.CancelAfter(timeout);
            var exited = process.WaitForExitAsync(wait.Token);
            if (await Task.WhenAny(server._ready.Task, exited).WaitAsync(wait.Token) != server._ready.Task)
            {
                throw new InvalidOperationException($"The {mode.Name()} server exited with code {process.ExitCode} before it was ready:\n{server.LastLines()}");
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await server.DisposeAsync();
            throw new TimeoutException($"The {mode.Name()} server was not ready within {timeout.TotalSeconds:0} s:\n{server.LastLines()}");
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>Asks the server for a <see cref="MemorySample"/> (it collects garbage first).</summary>
    public async Task<MemorySample> SampleAsync(CancellationToken cancellationToken) =>
        await _http.GetFromJsonAsync<MemorySample>(BenchServer.MemoryPath, JsonSerializerOptions.Web, cancellationToken)
        ?? throw new InvalidDataException("Empty memory sample.");

    /// <summary>The server's last output lines, for error messages.</summary>
    public string LastLines()
    {
        lock (_lastLines)
        {
            return string.Join('\n', _lastLines);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        try
        {
            if (!_process.HasExited)
            {
                _process.StandardInput.Close();
                using var grace = new CancellationTokenSource(StopGrace);
                try
                {
                    await _process.WaitForExitAsync(grace.Token);
                }
                catch (OperationCanceledException)
                {
                    _process.Kill(entireProcessTree: true);
                    await _process.WaitForExitAsync();
                }
            }
        }
        finally
        {
            _process.Dispose();
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        if (line == BenchServer.ReadyLine)
        {
            _ready.TrySetResult();
            return;
        }

        lock (_lastLines)
        {
            _lastLines.Enqueue(line);
            while (_lastLines.Count > 40)
            {
                _lastLines.Dequeue();
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
