using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace FunctionsDashboard.Bench.Common;

/// <summary>A private in-memory Azurite from the repository's node_modules, on free loopback ports.</summary>
internal sealed class LocalAzurite : IAsyncDisposable
{
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="; // Azurite's published dev key
    private readonly Process _process;

    private LocalAzurite(Process process, string connectionString)
    {
        _process = process;
        ConnectionString = connectionString;
    }

    public string ConnectionString { get; }

    public int ProcessId => _process.Id;

    public static async Task<LocalAzurite> StartAsync(string root)
    {
        var script = Path.Combine(root, "node_modules", "azurite", "dist", "src", "azurite.js");
        if (!File.Exists(script))
        {
            throw new InvalidOperationException("Azurite is not installed: run `npm ci` (or ./test.sh once) first.");
        }

        int blob = FreePort(), queue = FreePort(), table = FreePort();
        var start = new ProcessStartInfo("node")
        {
            ArgumentList =
            {
                script, "--silent", "--inMemoryPersistence", "--skipApiVersionCheck", "--disableTelemetry",
                "--blobHost", "127.0.0.1", "--blobPort", $"{blob}", "--queueHost", "127.0.0.1", "--queuePort", $"{queue}",
                "--tableHost", "127.0.0.1", "--tablePort", $"{table}",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start node");
        foreach (var port in new[] { blob, queue, table })
        {
            await WaitForPortAsync(port);
        }

        return new LocalAzurite(process, ConnectionStringFor(blob, queue, table));
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    private static string ConnectionStringFor(int blob, int queue, int table) =>
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + AccountKey +
        $";BlobEndpoint=http://127.0.0.1:{blob}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{queue}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{table}/devstoreaccount1;";

    private static async Task WaitForPortAsync(int port)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port, cts.Token);
                return;
            }
            catch (SocketException) when (!cts.IsCancellationRequested)
            {
                await Task.Delay(100, cts.Token);
            }
        }
    }
}
