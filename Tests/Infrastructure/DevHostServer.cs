using FunctionsDashboard.DevHost.Hosting;
using FunctionsDashboard.Health;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsDashboard.Tests.Infrastructure;

/// <summary>A real DevHost on a free loopback port, for end-to-end tests over real HTTP.</summary>
public sealed class DevHostServer : IAsyncDisposable
{
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

    /// <summary>Starts DevHost against <paramref name="storageConnectionString"/> with extra settings (highest priority).</summary>
    public static async Task<DevHostServer> StartAsync(
        string storageConnectionString,
        IDictionary<string, string?>? settings = null,
        bool waitUntilReady = true,
        Action<WebApplicationBuilder>? configure = null)
    {
        var all = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["AzureWebJobsStorage"] = storageConnectionString,
            // Each server gets its own tables, queues and containers in the shared Azurite.
            ["Storage:Prefix"] = UniquePrefix(),
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var app = DevHostApplication.Create(
            ["--urls", "http://127.0.0.1:0", "--DevHost:Root", RepoPaths.Root],
            builder =>
            {
                builder.Configuration.AddInMemoryCollection(all);
                configure?.Invoke(builder);
            });
        await app.StartAsync();
        var server = new DevHostServer(app);
        if (waitUntilReady)
        {
            await server.Services.GetRequiredService<Readiness>().WhenReady.WaitAsync(TimeSpan.FromSeconds(60));
        }

        return server;
    }

    /// <summary>A fresh storage name prefix (lowercase letters and digits, starting with a letter).</summary>
    public static string UniquePrefix() => "t" + Guid.NewGuid().ToString("N")[..10];

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
