using System.Net.WebSockets;
using System.Text;
using FunctionsDashboard.DevHost.Hosting;
using FunctionsDashboard.Health;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FunctionsDashboard.SseBench;

/// <summary>
/// The server role: one of the three <see cref="ServerMode"/>s on 127.0.0.1, plus <c>GET /_bench/mem</c> (a
/// <see cref="MemorySample"/> as JSON). It prints <see cref="ReadyLine"/> once it accepts clients and stops when its
/// standard input closes, so it never outlives the load generator that started it.
/// </summary>
public static class BenchServer
{
    /// <summary>The line the server prints when it is ready.</summary>
    public const string ReadyLine = "SSEBENCH READY";

    /// <summary>The diagnostics path.</summary>
    public const string MemoryPath = "/_bench/mem";

    /// <summary>The heartbeat period of both baselines, the app's default <c>Dashboard:HeartbeatInterval</c>.</summary>
    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(25);

    private static readonly byte[] RetryFrame = Encoding.UTF8.GetBytes("retry: 2000\n\n");
    private static readonly byte[] HeartbeatFrame = Encoding.UTF8.GetBytes(": heartbeat\n\n");

    /// <summary>Runs until standard input closes. Arguments: <c>--mode M --port P [--root DIR --storage CONNECTIONSTRING]</c>.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var options = CommandLine.Parse(args);
        var mode = ServerModes.Parse(options.Required("mode"));
        var port = int.Parse(options.Required("port"), System.Globalization.CultureInfo.InvariantCulture);
        using var counters = new ServerCounters();

        await using var app = mode == ServerMode.App
            ? CreateApp(port, options.Required("root"), options.Required("storage"))
            : CreateBare(mode, port);
        app.MapGet(MemoryPath, () => TypedResults.Ok(MemorySample.Capture(counters.ActiveConnections, counters.ActiveRequests)));

        await app.StartAsync();
        if (mode == ServerMode.App)
        {
            await app.Services.GetRequiredService<Readiness>().WhenReady.WaitAsync(TimeSpan.FromSeconds(120));
        }

        await Console.Out.WriteLineAsync(ReadyLine);
        await Console.Out.FlushAsync();

        // The load generator holds our standard input: when it closes (normally, or because it died), stop.
        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        _ = Task.Run(async () =>
        {
            await Console.In.ReadToEndAsync();
            lifetime.StopApplication();
        });
        await app.WaitForShutdownAsync();
        return 0;
    }

    private static WebApplication CreateApp(int port, string root, string storage)
    {
        // As the tests start it (Tests/Support/DevHostServer.cs): the committed sample settings, a storage prefix of
        // its own in the shared Azurite, and the longest stream cap so no response ends while the load generator measures.
        var settings = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = storage,
            ["Storage:Prefix"] = "b" + Guid.NewGuid().ToString("N")[..10],
            ["Sse:MaxStreamDuration"] = "00:03:45",
            ["Dashboard:HeartbeatInterval"] = "00:00:25",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        return DevHostApplication.Create(
            ["--urls", $"http://127.0.0.1:{port}", "--DevHost:Root", root, "--DevHost:SettingsFile", "local.settings.sample.json"],
            builder => builder.Configuration.AddInMemoryCollection(settings));
    }

    private static WebApplication CreateBare(ServerMode mode, int port)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        if (mode == ServerMode.BareSse)
        {
            app.MapGet(mode.Path(), BareSseAsync);
        }
        else
        {
            app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = Heartbeat });
            app.Map(mode.Path(), BareWebSocketAsync);
        }

        return app;
    }

    /// <summary>B2: <c>retry:</c>, then a heartbeat comment every 25 s until the client goes away.</summary>
    private static async Task BareSseAsync(HttpContext context)
    {
        var token = context.RequestAborted;
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        try
        {
            await response.Body.WriteAsync(RetryFrame, token);
            await response.Body.FlushAsync(token);
            using var heartbeat = new PeriodicTimer(Heartbeat);
            while (await heartbeat.WaitForNextTickAsync(token))
            {
                await response.Body.WriteAsync(HeartbeatFrame, token);
                await response.Body.FlushAsync(token);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // The client went away.
        }
    }

    /// <summary>B3: one text message (the same bytes as <c>retry:</c>), then idle with zero-byte reads; pings every 25 s.</summary>
    private static async Task BareWebSocketAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        var token = context.RequestAborted;
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        try
        {
            await socket.SendAsync(RetryFrame, WebSocketMessageType.Text, endOfMessage: true, token);
            var drain = new byte[256];
            while (socket.State == WebSocketState.Open)
            {
                // Wait for data without holding a buffer; the idle clients never send any.
                var waited = await socket.ReceiveAsync(Memory<byte>.Empty, token);
                if (waited.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, token);
                    break;
                }

                await socket.ReceiveAsync(drain.AsMemory(), token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
            // The client went away.
        }
    }
}
