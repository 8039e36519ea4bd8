using System.Text;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using FunctionsDashboard.EventLog;
using FunctionsDashboard.Health;
using FunctionsDashboard.Relay;
using FunctionsDashboard.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FunctionsDashboard.Tests.Relay;

/// <summary>
/// The relay's services on the shared Azurite under a fresh storage prefix, provisioned, with no hosted service running.
/// <see cref="CreateLog"/> builds extra <see cref="RelayEventLog"/> instances: each one is an app instance (or a restart).
/// </summary>
internal sealed class EventLogHarness : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly List<RelayEventLog> _logs = [];

    private EventLogHarness(IHost host) => _host = host;

    public IServiceProvider Services => _host.Services;

    public DashboardStorage Storage => Services.GetRequiredService<DashboardStorage>();

    public QueueClient Queue => Storage.Queue(RelayStorageNames.DeliveryQueue);

    public static async Task<EventLogHarness> CreateAsync(string connectionString, Dictionary<string, string?>? settings = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        var all = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = connectionString,
            ["Storage:Prefix"] = DevHostServer.UniquePrefix(),
            ["Relay:WebhookSecret"] = "test-secret",
            ["Relay:Delivery:SafetyNetDelay"] = "00:00:00", // these tests read the hand-off queue at once
        };
        foreach (var (key, value) in settings ?? [])
        {
            all[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(all);
        builder.AddDashboardCore();
        builder.AddEventGridRelay();
        var harness = new EventLogHarness(builder.Build());
        foreach (var step in harness.Services.GetServices<IStartupStep>())
        {
            await step.RunAsync(CancellationToken.None);
        }

        return harness;
    }

    public RelayEventLog CreateLog(
        IRelayHandOff? handOff = null,
        TimeProvider? time = null,
        RelayStats? stats = null,
        IEnumerable<IEventLogCommitListener>? listeners = null,
        ILoggerFactory? loggers = null)
    {
        var log = ActivatorUtilities.CreateInstance<RelayEventLog>(
            Services,
            handOff ?? Services.GetRequiredService<IRelayHandOff>(),
            time ?? TimeProvider.System,
            stats ?? new RelayStats(TimeProvider.System),
            EventLogCommitListeners.Of([.. listeners ?? []]),
            loggers ?? Services.GetRequiredService<ILoggerFactory>());
        _logs.Add(log);
        return log;
    }

    /// <summary>The stored head row of a stream: the directory says which day bucket holds it.</summary>
    public Task<TableEntity> HeadEntityAsync(string stream) => RelayQueue.HeadEntityAsync(Storage, stream);

    /// <summary>The bucket table of a day (<c>yyyyMMdd</c>).</summary>
    public TableClient BucketTable(string day) => Storage.Table("evlog" + day);

    public static IncomingEvent Event(string id, string stream = "orders", string? dataJson = null) =>
        new(id, stream, "Order.Created", "/orders", "orders/" + id, new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.FromHours(1)),
            Encoding.UTF8.GetBytes(dataJson ?? $$"""{"id":"{{id}}"}"""), DataIsBase64: false, EventSchema.CloudEvents);

    public async ValueTask DisposeAsync()
    {
        foreach (var log in _logs)
        {
            await log.DisposeAsync();
        }

        _host.Dispose();
    }
}

/// <summary>A hand-off whose queue is down: every call fails like a refused connection.</summary>
/// <summary>The real hand-off, except that every call waits until <see cref="Release"/> (a stalled queue), within its own timeout.</summary>
internal sealed class StalledHandOff(IRelayHandOff inner) : IRelayHandOff
{
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _waiting;

    public int Waiting => Volatile.Read(ref _waiting);

    public void Release() => _released.TrySetResult();

    public async Task HandOffAsync(RelayDeliveryMessage message, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _waiting);
        await _released.Task.WaitAsync(cancellationToken);
        await inner.HandOffAsync(message, cancellationToken);
    }
}

internal sealed class FailingHandOff : IRelayHandOff
{
    public int Calls { get; private set; }

    public Task HandOffAsync(RelayDeliveryMessage message, CancellationToken cancellationToken)
    {
        Calls++;
        throw new Azure.RequestFailedException(0, "queue down (test)");
    }
}
