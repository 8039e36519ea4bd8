using FunctionsDashboard.DevHost.Hosting;
using FunctionsDashboard.Health;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Polly;
using Polly.Retry;

namespace FunctionsDashboard.Tests.Support;

/// <summary>A real DevHost on a free loopback port, for end-to-end tests over real HTTP.</summary>
public sealed class DevHostServer : IAsyncDisposable
{
    /// <summary>A start that lost its probed port to another socket is tried again (on a new port).</summary>
    private static readonly ResiliencePipeline PortTaken = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<IOException>(e => e.InnerException is AddressInUseException),
            MaxRetryAttempts = 3,
            Delay = TimeSpan.Zero,
        })
        .Build();

    private DevHostServer(WebApplication app)
    {
        App = app;
        BaseAddress = app.BaseAddress();
        Client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public WebApplication App { get; }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => App.Services;

    /// <summary>
    /// Starts DevHost against <paramref name="storageConnectionString"/> with extra settings (highest priority, added after
    /// the composition ran); <paramref name="extraArgs"/> are command-line arguments, seen while the composition runs.
    /// </summary>
    public static async Task<DevHostServer> StartAsync(
        string storageConnectionString,
        IDictionary<string, string?>? settings = null,
        bool waitUntilReady = true,
        Action<WebApplicationBuilder>? configure = null,
        int? fixedPort = null,
        IEnumerable<string>? extraArgs = null)
    {
        // A fixed free port (not 0) so the local SignalR connection string can name it before the server starts. Another
        // test's socket can take that port between the probe and the bind: then the start is tried again on a new one.
        var app = await (fixedPort is null ? PortTaken : ResiliencePipeline.Empty).ExecuteAsync(
            async ct =>
            {
                var port = fixedPort ?? AzuriteFixture.FreePort();
                var all = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
                {
                    ["AzureWebJobsStorage"] = storageConnectionString,
                    ["AzureSignalRConnectionString"] = LocalSignalRConnectionString(port),
                    // Each server gets its own tables, queues and containers in the shared Azurite.
                    ["Storage:Prefix"] = UniquePrefix(),
                    ["Logging:LogLevel:Default"] = "Warning",
                };
                foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
                {
                    all[key] = value;
                }

                var candidate = DevHostApplication.Create(
                    // The committed sample, not a developer's local.settings.json: tests must not depend on a machine's settings.
                    ["--urls", $"http://127.0.0.1:{port}", "--DevHost:Root", RepoPaths.Root, "--DevHost:SettingsFile", "local.settings.sample.json", .. extraArgs ?? []],
                    builder =>
                    {
                        builder.Configuration.AddInMemoryCollection(all);
                        configure?.Invoke(builder);
                    });
                try
                {
                    await candidate.StartAsync(ct);
                    return candidate;
                }
                catch
                {
                    await candidate.DisposeAsync();
                    throw;
                }
            },
            CancellationToken.None);
        var server = new DevHostServer(app);
        if (waitUntilReady)
        {
            await server.Services.GetRequiredService<Readiness>().WhenReady.WaitAsync(TimeSpan.FromSeconds(60));
        }

        return server;
    }

    /// <summary>The local dev access key (public; the same as in local.settings.sample.json).</summary>
    public const string LocalAccessKey = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH";

    /// <summary>The connection string of DevHost's local SignalR Service on <paramref name="port"/>.</summary>
    public static string LocalSignalRConnectionString(int port) =>
        $"Endpoint=http://127.0.0.1:{port}{DevHostApplication.LocalSignalRPath};AccessKey={LocalAccessKey};Version=1.0;";

    /// <summary>A fresh storage name prefix (lowercase letters and digits, starting with a letter).</summary>
    public static string UniquePrefix() => "t" + Guid.NewGuid().ToString("N")[..10];

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
