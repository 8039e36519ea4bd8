using System.Collections.Concurrent;
using System.Net;
using System.Text;
using FunctionsDashboard.Health;
using FunctionsDashboard.EventLog;
using FunctionsDashboard.Relay;
using FunctionsDashboard.SignalR;
using FunctionsDashboard.Sse;
using FunctionsDashboard.Storage;
using FunctionsDashboard.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Polly.Registry;

namespace FunctionsDashboard.Tests.Relay;

/// <summary>
/// The delivery service on the shared Azurite (fresh storage prefix, provisioned, no hosted service running): the real
/// event log, state and dead-letter tables, a scripted SignalR Service (<see cref="FakeBroadcaster"/>), a hand-off that
/// records messages, and the delivery pipeline on <see cref="Time"/>, which a pump moves forward to each retry wait as
/// soon as the pipeline arms it (never to the per-try timeout): retries take no real time.
/// </summary>
internal sealed class RelayDeliveryHarness : IAsyncDisposable
{
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(7);

    private readonly IHost _host;
    private readonly CancellationTokenSource _pumpStop = new();
    private readonly Task _pump;

    private RelayDeliveryHarness(IHost host, RelayDeliveryOptions options)
    {
        _host = host;
        Options = options;
        Stats = new RelayStats(Time);
        var storage = Services.GetRequiredService<DashboardStorage>();
        States = new DeliveryStateStore(storage, Time);
        DeadLetterStore = new DeadLetterStore(storage);
        var registry = new ResiliencePipelineRegistry<string>();
        registry.TryAddBuilder(RelayPipelines.Delivery, (builder, _) =>
        {
            builder.TimeProvider = Time;
            RelayPipelines.ConfigureDelivery(builder, options, args => RelayDelivery.OnRetry(args, Stats, NullLogger.Instance));
        });
        registry.TryAddBuilder(RelayPipelines.Write, (builder, _) => RelayPipelines.ConfigureWrite(builder, new RelayOptions()));
        var relayOptions = Microsoft.Extensions.Options.Options.Create(new RelayOptions { Delivery = options });
        Delivery = new RelayDelivery(Log, Broadcaster, States, DeadLetterStore, HandOff, Stats, relayOptions, registry, Time, NullLogger<RelayDelivery>.Instance);
        DeadLetters = new RelayDeadLetters(DeadLetterStore, States, HandOff, Stats, registry, NullLogger<RelayDeadLetters>.Instance);
        _pump = PumpAsync(_pumpStop.Token);
    }

    public ObservableFakeTime Time { get; } = new();

    public FakeBroadcaster Broadcaster { get; } = new();

    public RecordingHandOff HandOff { get; } = new();

    public RelayDeliveryOptions Options { get; }

    public RelayStats Stats { get; }

    public RelayDelivery Delivery { get; }

    public RelayDeadLetters DeadLetters { get; }

    public DeliveryStateStore States { get; }

    public DeadLetterStore DeadLetterStore { get; }

    public IServiceProvider Services => _host.Services;

    public RelayEventLog Log => Services.GetRequiredService<RelayEventLog>();

    public static async Task<RelayDeliveryHarness> CreateAsync(string connectionString, RelayDeliveryOptions? options = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = connectionString,
            ["Storage:Prefix"] = DevHostServer.UniquePrefix(),
            ["Relay:WebhookSecret"] = "test-secret",
        });
        builder.AddDashboardCore();
        builder.AddEventGridRelay();
        builder.AddRelayDelivery();
        var host = builder.Build();
        foreach (var step in host.Services.GetServices<IStartupStep>())
        {
            await step.RunAsync(CancellationToken.None);
        }

        return new RelayDeliveryHarness(host, options ?? new RelayDeliveryOptions { AttemptTimeout = AttemptTimeout });
    }

    /// <summary>Appends events <c>{prefix}-1</c> .. <c>{prefix}-{count}</c> to <paramref name="stream"/>; returns their message.</summary>
    public async Task<string> AppendAsync(string stream, int count, string prefix = "evt")
    {
        var events = Enumerable.Range(1, count).Select(i => new IncomingEvent(
            $"{prefix}-{i}", stream, "ops.metric", "/" + stream, "tests", new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero),
            Encoding.UTF8.GetBytes($$"""{"n":{{i}}}"""), DataIsBase64: false, EventSchema.CloudEvents)).ToList();
        var result = await Log.AppendAsync(events, CancellationToken.None);
        var seqs = result.Events.Select(e => e.Seq).ToList();
        return RelayDeliveryMessage.For(stream, seqs.Min(), seqs.Max()).ToJson();
    }

    public async Task<List<DeadLetterEntry>> ListDeadLettersAsync() =>
        [.. (await DeadLetters.ListAsync(null, RelayDeadLetters.MaxListLimit, CancellationToken.None)).Items];

    public async ValueTask DisposeAsync()
    {
        await _pumpStop.CancelAsync();
        try
        {
            await _pump;
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        _pumpStop.Dispose();
        _host.Dispose();
    }

    /// <summary>Moves fake time to each timer the code arms, except per-try timeouts and parked (infinite) timers.</summary>
    private async Task PumpAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var due = await Time.NextTimerAsync(Timeout.InfiniteTimeSpan).WaitAsync(cancellationToken);
            if (due > TimeSpan.Zero && due != AttemptTimeout && due != Timeout.InfiniteTimeSpan && due < TimeSpan.FromDays(1))
            {
                Time.Advance(due);
            }
        }
    }
}

/// <summary>A scripted SignalR Service: records every push; <see cref="Fail"/> decides per event and try whether it fails.</summary>
internal sealed class FakeBroadcaster : IHubBroadcaster
{
    private readonly ConcurrentDictionary<long, int> _tries = new();

    public ConcurrentQueue<(string Target, DashboardEvent Event)> Pushes { get; } = new();

    /// <summary>Given (seq, try number from 1), the exception to throw, or null to succeed.</summary>
    public Func<long, int, Exception?> Fail { get; set; } = (_, _) => null;

    /// <summary>Called before each push (e.g. to move time).</summary>
    public Action<long>? BeforePush { get; set; }

    public int Tries(long seq) => _tries.GetValueOrDefault(seq);

    public Task BroadcastAsync(string target, IReadOnlyList<object?> arguments, CancellationToken cancellationToken)
    {
        var e = Assert.IsType<DashboardEvent>(Assert.Single(arguments));
        BeforePush?.Invoke(e.Seq);
        var attempt = _tries.AddOrUpdate(e.Seq, 1, static (_, n) => n + 1);
        if (Fail(e.Seq, attempt) is { } error)
        {
            return Task.FromException(error);
        }

        Pushes.Enqueue((target, e));
        return Task.CompletedTask;
    }

    public static SignalRRestException Status(HttpStatusCode status, TimeSpan? retryAfter = null) =>
        new(status, $"SignalR Service answered {(int)status} (test)", retryAfter);
}

/// <summary>A hand-off that keeps the messages instead of queuing them.</summary>
internal sealed class RecordingHandOff : IRelayHandOff
{
    public ConcurrentQueue<RelayDeliveryMessage> Messages { get; } = new();

    public Task HandOffAsync(RelayDeliveryMessage message, CancellationToken cancellationToken)
    {
        Messages.Enqueue(message);
        return Task.CompletedTask;
    }
}
