using Azure.Data.Tables;
using FunctionsDashboard.Connections;
using FunctionsDashboard.SignalR;
using FunctionsDashboard.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FunctionsDashboard.Bench;

/// <summary>
/// The product's own services (registry, sweeper, storage, Polly pipelines) wired as the app wires them, on a table
/// prefix of their own. The SignalR Service REST side is either a no-op at the boundary or the real REST client against
/// <see cref="LoopbackSignalR"/>.
/// </summary>
internal sealed class BenchStack : IDisposable
{
    private const string AccessKey = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH";
    private readonly IHost _host;

    private BenchStack(IHost host, string prefix)
    {
        _host = host;
        Prefix = prefix;
    }

    public string Prefix { get; }

    public ConnectionRegistry Registry => _host.Services.GetRequiredService<ConnectionRegistry>();

    public ConnectionTable Table => _host.Services.GetRequiredService<ConnectionTable>();

    public StaleConnectionScanner Scanner => _host.Services.GetRequiredService<StaleConnectionScanner>();

    public ConnectionSweeper Sweeper => _host.Services.GetRequiredService<ConnectionSweeper>();

    public PresenceNotifier Presence => _host.Services.GetRequiredService<PresenceNotifier>();

    public DashboardStorage Storage => _host.Services.GetRequiredService<DashboardStorage>();

    public TableClient RegistryTable => Storage.Table(ConnectionRegistryOptions.TableName);

    /// <param name="storage">The Azurite connection string.</param>
    /// <param name="prefix">Table prefix (lowercase letters and digits).</param>
    /// <param name="clock">The benchmark's clock.</param>
    /// <param name="signalR">The loopback REST endpoint, or null for a no-op closer and broadcaster.</param>
    /// <param name="cancellationToken">Cancels the setup.</param>
    public static async Task<BenchStack> CreateAsync(string storage, string prefix, BenchClock clock, Uri? signalR, CancellationToken cancellationToken)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = storage,
            ["Storage:Prefix"] = prefix,
            ["AzureSignalRConnectionString"] = $"Endpoint={(signalR ?? new Uri("http://127.0.0.1:9")).AbsoluteUri.TrimEnd('/')};AccessKey={AccessKey};Version=1.0;",
        });
        builder.Services.AddSingleton<TimeProvider>(clock);
        builder.AddDashboardCore();
        builder.AddSignalRService();
        builder.AddConnectionRegistry();
        if (signalR is null)
        {
            builder.Services.AddSingleton<IConnectionCloser>(NoOpService.Instance);
            builder.Services.AddSingleton<IHubBroadcaster>(NoOpService.Instance);
        }

        var stack = new BenchStack(builder.Build(), prefix);
        await stack.RegistryTable.CreateIfNotExistsAsync(cancellationToken);
        return stack;
    }

    public async Task DeleteTablesAsync(CancellationToken cancellationToken)
    {
        await RegistryTable.DeleteAsync(cancellationToken);
        await Storage.Table(RawSweep.TableName).DeleteAsync(cancellationToken);
    }

    public void Dispose() => _host.Dispose();

    /// <summary>The Service's REST side as a no-op: every close succeeds, broadcasts go nowhere.</summary>
    private sealed class NoOpService : IConnectionCloser, IHubBroadcaster
    {
        public static readonly NoOpService Instance = new();

        public Task<bool> CloseConnectionAsync(string connectionId, string? reason, CancellationToken cancellationToken) => Task.FromResult(true);

        public Task BroadcastAsync(string target, IReadOnlyList<object?> arguments, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
