using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace FunctionsDashboard.Bench.Common;

/// <summary>
/// A private in-memory Azurite from the repository's node_modules, on free loopback ports, in one Node.js process.
/// <c>BENCH_AZURITE=split</c> runs each service (blob, queue, table) in a process of its own, as Azure's services share
/// nothing: in one process Azurite's queue GC (every 60 s, deleting the extents of consumed messages) holds the table
/// service for seconds; split, the three processes cost more CPU per request on two cores (docs/benchmarks.md, "Why
/// Azurite stops answering").
/// </summary>
internal sealed class LocalAzurite : IAsyncDisposable
{
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="; // Azurite's published dev key
    private readonly IReadOnlyList<Process> _processes;

    private LocalAzurite(IReadOnlyList<Process> processes, string connectionString, string layout)
    {
        _processes = processes;
        ConnectionString = connectionString;
        Layout = layout;
    }

    public string ConnectionString { get; }

    /// <summary>"one process per service" or "one process".</summary>
    public string Layout { get; }

    /// <summary>The Azurite processes (for CPU accounting).</summary>
    public IReadOnlyList<int> ProcessIds => _processes.Select(p => p.Id).ToList();

    /// <summary>Each Azurite process with what it serves: <c>Azurite</c>, or with <c>BENCH_AZURITE=split</c> <c>Azurite blob</c>, <c>… queue</c>, <c>… table</c>.</summary>
    public IReadOnlyList<(string Name, int Id)> Services =>
        _processes.Count == 1 ? [("Azurite", _processes[0].Id)] : [.. _processes.Zip(new[] { "blob", "queue", "table" }, (p, s) => ($"Azurite {s}", p.Id))];

    public static async Task<LocalAzurite> StartAsync(string root)
    {
        var src = Path.Combine(root, "node_modules", "azurite", "dist", "src");
        if (!File.Exists(Path.Combine(src, "azurite.js")))
        {
            throw new InvalidOperationException("Azurite is not installed: run `npm ci` (or ./test.sh once) first.");
        }

        int blob = FreePort(), queue = FreePort(), table = FreePort();
        string[] common = ["--silent", "--inMemoryPersistence", "--skipApiVersionCheck", "--disableTelemetry"];
        var single = !string.Equals(Environment.GetEnvironmentVariable("BENCH_AZURITE"), "split", StringComparison.OrdinalIgnoreCase);
        List<string[]> launches = single
            ? [
                [Path.Combine(src, "azurite.js"), .. common, "--blobHost", "127.0.0.1", "--blobPort", $"{blob}", "--queueHost", "127.0.0.1", "--queuePort", $"{queue}", "--tableHost", "127.0.0.1", "--tablePort", $"{table}"],
            ]
            : [
                [Path.Combine(src, "blob", "main.js"), .. common, "--blobHost", "127.0.0.1", "--blobPort", $"{blob}"],
                [Path.Combine(src, "queue", "main.js"), .. common, "--queueHost", "127.0.0.1", "--queuePort", $"{queue}"],
                [Path.Combine(src, "table", "main.js"), .. common, "--tableHost", "127.0.0.1", "--tablePort", $"{table}"],
            ];
        var processes = new List<Process>();
        foreach (var arguments in launches)
        {
            var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            processes.Add(Process.Start(start) ?? throw new InvalidOperationException("cannot start node"));
        }

        foreach (var port in new[] { blob, queue, table })
        {
            await WaitForPortAsync(port);
        }

        return new LocalAzurite(processes, ConnectionStringFor(blob, queue, table), single ? "one process" : "one process per service");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }

            process.Dispose();
        }

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
