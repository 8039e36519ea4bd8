using System.Collections.Concurrent;
using System.Text;
using System.Threading.Channels;
using FunctionsDashboard.DevHost.Hosting;
using FunctionsDashboard.EventLog;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FunctionsDashboard.DeliveryBench;

/// <summary>A started web app and its address.</summary>
internal sealed class BenchServer(WebApplication app, Uri address) : IAsyncDisposable
{
    public const string Secret = "bench-secret";

    public Uri Address { get; } = address;

    public IServiceProvider Services => app.Services;

    /// <summary>
    /// The baseline: a bare Kestrel app. <c>POST /publish</c> reads the body and pushes it as one SSE frame to every
    /// client of <c>GET /sse</c> (one channel and one writer loop per client, flushed per frame), then answers 200.
    /// </summary>
    public static async Task<BenchServer> StartBareSseAsync()
    {
        var port = LocalAzurite.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        var clients = new ConcurrentDictionary<Guid, Channel<byte[]>>();
        app.MapGet("/sse", async (HttpContext context) =>
        {
            var id = Guid.NewGuid();
            var channel = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
            clients[id] = channel;
            try
            {
                context.Response.ContentType = "text/event-stream";
                await context.Response.Body.WriteAsync("retry: 1000\n\n"u8.ToArray(), context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
                await foreach (var frame in channel.Reader.ReadAllAsync(context.RequestAborted))
                {
                    await context.Response.Body.WriteAsync(frame, context.RequestAborted);
                    await context.Response.Body.FlushAsync(context.RequestAborted);
                }
            }
            catch (OperationCanceledException)
            {
                // The client left.
            }
            finally
            {
                clients.TryRemove(id, out _);
            }
        });
        app.MapPost("/publish", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var frame = Encoding.UTF8.GetBytes("data: " + body + "\n\n");
            foreach (var channel in clients.Values)
            {
                channel.Writer.TryWrite(frame);
            }

            return Results.Ok();
        });
        await app.StartAsync();
        return new BenchServer(app, new Uri($"http://127.0.0.1:{port}"));
    }

    /// <summary>DevHost (the whole app, local Event Grid and SignalR Service) on a fresh storage prefix.</summary>
    public static async Task<BenchServer> StartDevHostAsync(string root, string storage, IReadOnlyDictionary<string, string?> settings, IEventLogCommitListener? stages = null)
    {
        var port = LocalAzurite.FreePort();
        var config = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = storage,
            ["Storage:Prefix"] = "d" + Guid.NewGuid().ToString("N")[..8],
            ["Relay:WebhookSecret"] = Secret,
            ["Logging:LogLevel:Default"] = Environment.GetEnvironmentVariable("DELIVERYBENCH_LOG") ?? "Warning",
            ["Logging:LogLevel:Polly"] = "Error",
            ["Logging:LogLevel:FunctionsDashboard.SignalR"] = "Error",
        };
        foreach (var (key, value) in settings)
        {
            config[key] = value;
        }

        var app = DevHostApplication.Create(
            ["--urls", $"http://127.0.0.1:{port}", "--DevHost:Root", root],
            builder =>
            {
                builder.Configuration.AddInMemoryCollection(config);
                if (stages is not null)
                {
                    builder.Services.AddSingleton(stages);
                }
            });
        await app.StartAsync();
        await app.Services.GetRequiredService<FunctionsDashboard.Health.Readiness>().WhenReady.WaitAsync(TimeSpan.FromSeconds(60));
        return new BenchServer(app, new Uri($"http://127.0.0.1:{port}"));
    }

    public static string FindRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "FunctionsDashboard.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("Run the benchmark from inside the repository.");
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
