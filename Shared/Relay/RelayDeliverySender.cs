using FunctionsDashboard.EventLog;
using FunctionsDashboard.Hardening;
using FunctionsDashboard.SignalR;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Registry;
using Polly.Retry;

namespace FunctionsDashboard.Relay;

/// <summary>
/// Pushes one batch of consecutive events of one stream to its audience (<see cref="IEventAudience"/>: everyone, or each
/// group) through the <see cref="RelayPipelines.Delivery"/> pipeline, and settles every event of it: delivered, or
/// dead-lettered with its reason (entry written before this returns). One event goes as hub message
/// <see cref="RelayDelivery.HubTarget"/>, several as <see cref="RelayDelivery.BatchHubTarget"/> with an array. When a
/// batch of several is refused as not retryable, its events are tried one by one, so one bad event does not take the
/// others along. Throws only on cancellation or when a dead-letter entry cannot be written.
/// </summary>
internal sealed class RelayDeliverySender
{
    internal static readonly ResiliencePropertyKey<string> BatchKey = new("relay-delivery.batch");

    private readonly IHubBroadcaster _broadcaster;
    private readonly IEventAudience _audience;
    private readonly DeadLetterStore _deadLetters;
    private readonly RelayStats _stats;
    private readonly ResiliencePipeline _pipeline;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    public RelayDeliverySender(
        IHubBroadcaster broadcaster,
        IEventAudience audience,
        DeadLetterStore deadLetters,
        RelayStats stats,
        ResiliencePipelineProvider<string> pipelines,
        TimeProvider timeProvider,
        ILogger logger)
    {
        _broadcaster = broadcaster;
        _audience = audience;
        _deadLetters = deadLetters;
        _stats = stats;
        _pipeline = pipelines.GetPipeline(RelayPipelines.Delivery);
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>Sends <paramref name="batch"/> (one stream, ascending consecutive seqs) and settles each of its events.</summary>
    public async Task<BatchResult> SendAsync(IReadOnlyList<StoredEvent> batch, CancellationToken cancellationToken)
    {
        using var span = Observability.DashboardTelemetry.StartDelivery(batch, _timeProvider); // docs/observability.md
        var stream = batch[0].Stream;
        var targets = await _audience.TargetsForAsync(stream, cancellationToken);
        var (error, attempts) = await TrySendAsync(batch, targets, cancellationToken);
        if (error is null)
        {
            _stats.Delivered(batch.Count);
            RelayDeliveryLog.Delivered(_logger, stream, batch[0].Seq, batch[^1].Seq, attempts);
            return new BatchResult([.. batch.Select(e => e.Seq)], []);
        }

        var retryable = RelayPipelines.IsTransientDeliveryFailure(error);
        if (!retryable && batch.Count > 1)
        {
            var delivered = new List<long>();
            var deadLettered = new List<long>();
            foreach (var e in batch)
            {
                var one = await SendAsync([e], cancellationToken);
                delivered.AddRange(one.Delivered);
                deadLettered.AddRange(one.DeadLettered);
            }

            return new BatchResult(delivered, deadLettered);
        }

        var origin = retryable ? DeadLetterOrigins.RetriesExhausted : DeadLetterOrigins.NotRetryable;
        var reason = retryable
            ? $"Gave up after {attempts} tries; the last one failed: {RelayDelivery.Describe(error)}"
            : $"Not retried ({RelayDelivery.Describe(error)}): the SignalR Service would refuse the same request again.";
        var status = (error as SignalRRestException)?.StatusCode is { } code ? (int?)(int)code : null;
        foreach (var e in batch)
        {
            await DeadLetterAsync(e.Stream, e.Seq, e, origin, reason, attempts, status, cancellationToken);
        }

        return new BatchResult([], [.. batch.Select(e => e.Seq)]);
    }

    /// <summary>Records the dead-letter entry of one event (before anything marks it settled) and counts it.</summary>
    public async Task DeadLetterAsync(string stream, long seq, StoredEvent? e, string origin, string reason, int attempts, int? statusCode, CancellationToken cancellationToken)
    {
        await _deadLetters.AddAsync(new DeadLetterEntry(stream, seq, e?.Id, e?.Type, reason, origin, attempts, statusCode, _timeProvider.GetUtcNow()), cancellationToken);
        _stats.DeadLettered(1);
        RelayDeliveryLog.DeadLettered(_logger, stream, seq, LogValue.Bounded(e?.Id), attempts, LogValue.Bounded(reason, 512));
    }

    /// <summary>One pipeline run per target; null when every target accepted the message.</summary>
    private async Task<(Exception? Error, int Attempts)> TrySendAsync(IReadOnlyList<StoredEvent> batch, EventTargets targets, CancellationToken cancellationToken)
    {
        var (target, arguments) = Message(batch);
        var attempts = 0;
        var label = batch.Count == 1 ? $"{batch[0].Stream} {batch[0].Seq}" : $"{batch[0].Stream} {batch[0].Seq}..{batch[^1].Seq}";
        IReadOnlyList<string?> groups = targets.All ? new string?[] { null } : [.. targets.Groups];
        foreach (var group in groups)
        {
            var context = ResilienceContextPool.Shared.Get(cancellationToken);
            context.Properties.Set(BatchKey, label);
            var counter = new AttemptCounter();
            try
            {
                _stats.Sent();
                await _pipeline.ExecuteAsync(
                    static async (ctx, s) =>
                    {
                        s.Counter.Count++;
                        if (s.Group is null)
                        {
                            await s.Broadcaster.BroadcastAsync(s.Target, s.Arguments, ctx.CancellationToken);
                        }
                        else
                        {
                            await s.Broadcaster.BroadcastToGroupAsync(s.Group, s.Target, s.Arguments, ctx.CancellationToken);
                        }
                    },
                    context,
                    (Broadcaster: _broadcaster, Group: group, Target: target, Arguments: arguments, Counter: counter));
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw; // stopping: the events stay unsettled and are sent again (safety net)
            }
            catch (Exception error)
            {
                return (error, attempts + counter.Count);
            }
            finally
            {
                attempts += counter.Count;
                ResilienceContextPool.Shared.Return(context);
            }
        }

        return (null, attempts);
    }

    internal static (string Target, IReadOnlyList<object?> Arguments) Message(IReadOnlyList<StoredEvent> batch) =>
        batch.Count == 1
            ? (RelayDelivery.HubTarget, [DashboardEvent.From(batch[0])])
            : (RelayDelivery.BatchHubTarget, [batch.Select(DashboardEvent.From).ToArray()]);

    /// <summary>Logs and counts one retry (the pipeline's <c>OnRetry</c>).</summary>
    internal static ValueTask OnRetry(OnRetryArguments<object> args, RelayStats stats, ILogger logger)
    {
        stats.Retried();
        if (args.Context.Properties.TryGetValue(BatchKey, out var label))
        {
            RelayDeliveryLog.Retrying(logger, label, args.AttemptNumber + 1, LogValue.Bounded(RelayDelivery.Describe(args.Outcome.Exception), 512), args.RetryDelay.TotalMilliseconds);
        }

        return ValueTask.CompletedTask;
    }

    private sealed class AttemptCounter
    {
        public int Count { get; set; }
    }
}
