using System.Collections.Concurrent;
using System.Net;
using System.Text;
using FunctionsDashboard.Health;
using FunctionsDashboard.EventLog;
using FunctionsDashboard.Relay;
using FunctionsDashboard.SignalR;
using FunctionsDashboard.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Polly.Registry;

namespace FunctionsDashboard.Tests.Relay;

/// <summary>
/// The delivery service on the shared Azurite (fresh storage prefix, provisioned, no hosted service running): the real
/// event log (read through <see cref="IEventLogReader"/>), watermark and dead-letter tables, a scripted SignalR Service
/// (<see cref="FakeBroadcaster"/>), a hand-off that records messages, and the delivery pipeline and senders on
/// <see cref="Time"/>, which a pump moves forward to each wait as soon as it is armed (never to the per-try timeout or
/// the message budget): retries take no real time. <see cref="Restart"/> is a new instance over the same storage.
/// </summary>
internal sealed class RelayDeliveryHarness : IAsyncDisposable
{
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(7);

    private readonly IHost _host;
    private readonly CancellationTokenSource _pumpStop = new();
    private readonly Task _pump;
    private readonly ResiliencePipelineRegistry<string> _registry = new();
    private CancellationTokenSource _stopping = new();

    private RelayDeliveryHarness(IHost host, RelayDeliveryOptions options)
    {
        _host = host;
        Options = options;
        Stats = new RelayStats(Time);
        Gate = new RelayDeliveryGate(Time);
        var storage = Services.GetRequiredService<DashboardStorage>();
        States = new DeliveryStateStore(storage, Time);
        DeadLetterStore = new DeadLetterStore(storage);
        _registry.TryAddBuilder(RelayPipelines.Delivery, (builder, _) =>
        {
            builder.TimeProvider = Time;
            RelayPipelines.ConfigureDelivery(builder, options, Gate, args => RelayDeliverySender.OnRetry(args, Stats, NullLogger.Instance));
        });
        _registry.TryAddBuilder(RelayPipelines.Write, (builder, _) => RelayPipelines.ConfigureWrite(builder, new RelayOptions()));
        DeadLetters = new RelayDeadLetters(DeadLetterStore, HandOff, Stats, _registry, NullLogger<RelayDeadLetters>.Instance);
        Restart();
        _pump = PumpAsync(_pumpStop.Token);
    }

    public ObservableFakeTime Time { get; } = new();

    public FakeBroadcaster Broadcaster { get; } = new();

    public RecordingHandOff HandOff { get; } = new();

    public SettableAudience Audience { get; } = new();

    public RelayDeliveryOptions Options { get; }

    public RelayStats Stats { get; }

    public RelayDeliveryGate Gate { get; }

    public RelayDelivery Delivery { get; private set; } = null!;

    public RelayDeliveryStreams Streams { get; private set; } = null!;

    public IEventLogCommitListener Listener { get; private set; } = null!;

    public RelayDeadLetters DeadLetters { get; }

    public DeliveryStateStore States { get; }

    public DeadLetterStore DeadLetterStore { get; }

    public IServiceProvider Services => _host.Services;

    public RelayEventLog Log => Services.GetRequiredService<RelayEventLog>();

    public IEventLogReader Reader => Services.GetRequiredService<IEventLogReader>();

    /// <summary>Stops this instance's senders (the host stopping) without starting a new one.</summary>
    public Task StopAsync() => _stopping.CancelAsync();

    /// <summary>A new instance over the same storage: empty memory (senders, watermarks), same stats and broadcaster.</summary>
    public void Restart()
    {
        _stopping.Cancel();
        _stopping.Dispose();
        _stopping = new CancellationTokenSource();
        (Streams, Listener, Delivery) = NewInstance(_stopping.Token);
    }

    /// <summary>
    /// Another app instance's delivery over the same storage, Service and clock (its own senders and lease holder name),
    /// stopped with this harness.
    /// </summary>
    public (RelayDeliveryStreams Streams, IEventLogCommitListener Listener, RelayDelivery Delivery) NewInstance() => NewInstance(_pumpStop.Token);

    private (RelayDeliveryStreams, IEventLogCommitListener, RelayDelivery) NewInstance(CancellationToken stopping)
    {
        var relayOptions = Microsoft.Extensions.Options.Options.Create(new RelayOptions { Delivery = Options });
        var sender = new RelayDeliverySender(Broadcaster, Audience, DeadLetterStore, Stats, _registry, Time, NullLogger.Instance);
        var streams = new RelayDeliveryStreams(() => Reader, States, sender, relayOptions, stopping, Time, NullLogger<RelayDelivery>.Instance);
        return (streams, new RelayDeliveryListener(streams), new RelayDelivery(streams, sender, Reader, DeadLetterStore, HandOff, relayOptions, _registry, Time, NullLogger<RelayDelivery>.Instance));
    }

    /// <summary>Appends events and tells <paramref name="listener"/> (one instance's fast path) about the commit.</summary>
    public async Task<string> AppendAndOfferAsync(IEventLogCommitListener listener, string stream, int count, string prefix)
    {
        var message = RelayDeliveryMessage.Parse(await AppendAsync(stream, count, prefix));
        var page = await Reader.ReadAfterAsync(stream, null, message.FirstSeq - 1, (int)message.Count, CancellationToken.None);
        listener.OnCommitted(new CommittedEvents(stream, page.Head.Generation, page.Events));
        return message.ToJson();
    }

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

        return new RelayDeliveryHarness(host, options ?? new RelayDeliveryOptions { AttemptTimeout = AttemptTimeout, MessageBudget = TimeSpan.FromMinutes(5), MaxEventsPerMessage = 1 });
    }

    /// <summary>Appends events and tells the fast path about the commit, as the log's writer does.</summary>
    public Task<string> AppendAndOfferAsync(string stream, int count, string prefix = "evt") => AppendAndOfferAsync(Listener, stream, count, prefix);

    /// <summary>Completes once the stream's in-memory watermark reached <paramref name="through"/>.</summary>
    public Task WaitSettledAsync(string stream, long through) =>
        Eventually.WaitAsync(() => Task.FromResult(Streams.For(stream).Settled), s => s >= through, TimeSpan.FromSeconds(20), $"{stream} settled through {through}");

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
        await _stopping.CancelAsync();
        _stopping.Dispose();
        _host.Dispose();
    }

    /// <summary>
    /// Moves fake time to each timer the code arms, except per-try timeouts, the message budget, the idle lease's linger
    /// (an idle sender keeps its lease until a test moves time or the instance stops) and parked (infinite) timers.
    /// </summary>
    private async Task PumpAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var due = await Time.NextTimerAsync(Timeout.InfiniteTimeSpan).WaitAsync(cancellationToken);
            if (due > TimeSpan.Zero && due != AttemptTimeout && due != Options.MessageBudget && due != RelayDeliveryLease.Linger && due != Timeout.InfiniteTimeSpan && due < TimeSpan.FromDays(1))
            {
                Time.Advance(due);
            }
        }
    }
}

/// <summary>
/// A scripted SignalR Service: records every event of every accepted message (with its target and group, in order);
/// <see cref="Fail"/> decides per message (by its first seq) and try whether it fails.
/// </summary>
internal sealed class FakeBroadcaster : IHubBroadcaster
{
    private readonly ConcurrentDictionary<long, int> _tries = new();

    public ConcurrentQueue<(string Target, DashboardEvent Event, string? Group)> Pushes { get; } = new();

    /// <summary>Accepted messages: (target, group, seqs).</summary>
    public ConcurrentQueue<(string Target, string? Group, long[] Seqs)> Messages { get; } = new();

    /// <summary>Given (first seq of the message, try number from 1), the exception to throw, or null to succeed.</summary>
    public Func<long, int, Exception?> Fail { get; set; } = (_, _) => null;

    /// <summary>Called before each push with the message's first seq (e.g. to move time).</summary>
    public Action<long>? BeforePush { get; set; }

    public int Tries(long seq) => _tries.GetValueOrDefault(seq);

    public Task BroadcastAsync(string target, IReadOnlyList<object?> arguments, CancellationToken cancellationToken) =>
        Send(null, target, arguments);

    public Task BroadcastToGroupAsync(string group, string target, IReadOnlyList<object?> arguments, CancellationToken cancellationToken) =>
        Send(group, target, arguments);

    private Task Send(string? group, string target, IReadOnlyList<object?> arguments)
    {
        var events = Assert.Single(arguments) switch
        {
            DashboardEvent one => [one],
            DashboardEvent[] many => many,
            var other => throw new InvalidOperationException($"Unexpected argument {other}"),
        };
        Assert.Equal(events.Length == 1 ? RelayDelivery.HubTarget : RelayDelivery.BatchHubTarget, target);
        BeforePush?.Invoke(events[0].Seq);
        var attempt = _tries.AddOrUpdate(events[0].Seq, 1, static (_, n) => n + 1);
        if (Fail(events[0].Seq, attempt) is { } error)
        {
            return Task.FromException(error);
        }

        foreach (var e in events)
        {
            Pushes.Enqueue((target, e, group));
        }

        Messages.Enqueue((target, group, [.. events.Select(e => e.Seq)]));
        return Task.CompletedTask;
    }

    public static SignalRRestException Status(HttpStatusCode status, TimeSpan? retryAfter = null) =>
        new(status, $"SignalR Service answered {(int)status} (test)", retryAfter);
}

/// <summary>An audience the test sets: everyone by default.</summary>
internal sealed class SettableAudience : IEventAudience
{
    public EventTargets Targets { get; set; } = EventTargets.Everyone;

    public ValueTask<EventTargets> TargetsForAsync(string stream, CancellationToken cancellationToken) => ValueTask.FromResult(Targets);
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
