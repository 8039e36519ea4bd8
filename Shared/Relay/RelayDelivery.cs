using FunctionsDashboard.SignalR;
using FunctionsDashboard.EventLog;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Registry;
using Polly.Retry;
using Polly.Timeout;

namespace FunctionsDashboard.Relay;

/// <summary>
/// The delivery half of the relay (the <c>RelayDelivery</c> queue function): for one hand-off message, reads the range's
/// events from the event log and pushes each, in seq order, to every dashboard as hub message <c>event</c> with one
/// <see cref="DashboardEvent"/>, through the <see cref="RelayPipelines.Delivery"/> pipeline. Every event ends in exactly
/// one recorded state: delivered, or dead-lettered with its reason. Progress is recorded per event, so a redelivered
/// message (a crash, a timeout, a second hand-off of the range) skips what is settled and goes on where it stopped.
/// See docs/relay.md.
/// </summary>
public sealed class RelayDelivery
{
    /// <summary>The hub method dashboards receive events on.</summary>
    public const string HubTarget = "event";

    /// <summary>Events read from the log at a time (an event may hold up to 1 MiB of data).</summary>
    internal const int ReadPage = 16;

    private static readonly ResiliencePropertyKey<StoredEvent> EventKey = new("relay-delivery.event");

    private readonly RelayEventLog _eventLog;
    private readonly IHubBroadcaster _broadcaster;
    private readonly DeliveryStateStore _states;
    private readonly DeadLetterStore _deadLetters;
    private readonly IRelayHandOff _handOff;
    private readonly RelayStats _stats;
    private readonly RelayDeliveryOptions _options;
    private readonly ResiliencePipeline _pipeline;
    private readonly ResiliencePipeline _handOffPipeline;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<RelayDelivery> _logger;

    /// <summary>Creates the delivery service.</summary>
    internal RelayDelivery(
        RelayEventLog eventLog,
        IHubBroadcaster broadcaster,
        DeliveryStateStore states,
        DeadLetterStore deadLetters,
        IRelayHandOff handOff,
        RelayStats stats,
        IOptions<RelayOptions> options,
        ResiliencePipelineProvider<string> pipelines,
        TimeProvider timeProvider,
        ILogger<RelayDelivery> logger)
    {
        _eventLog = eventLog;
        _broadcaster = broadcaster;
        _states = states;
        _deadLetters = deadLetters;
        _handOff = handOff;
        _stats = stats;
        _options = options.Value.Delivery;
        _pipeline = pipelines.GetPipeline(RelayPipelines.Delivery);
        _handOffPipeline = pipelines.GetPipeline(RelayPipelines.Write);
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>
    /// Delivers the range of one queue message. Returns normally once every event of the range is settled (or, when
    /// <see cref="RelayDeliveryOptions.MessageBudget"/> ran out, once the rest is handed off as a new message). Throws only
    /// when storage fails (the queue then retries the message; settled events are skipped) or on cancellation.
    /// An unreadable message is dead-lettered, not thrown: retrying it could never succeed.
    /// </summary>
    public async Task<DeliveryOutcome> DeliverAsync(string messageText, CancellationToken cancellationToken)
    {
        if (await ParseOrDeadLetterAsync(messageText, cancellationToken) is not { } message)
        {
            return new DeliveryOutcome(0, 0, 0, Continued: false);
        }

        var started = _timeProvider.GetTimestamp();
        var states = await _states.GetRangeAsync(message.Stream, message.FirstSeq, message.LastSeq, cancellationToken);
        int delivered = 0, deadLettered = 0, skipped = 0, attempted = 0;
        var next = message.FirstSeq;
        while (next <= message.LastSeq)
        {
            var page = await _eventLog.ReadAfterAsync(message.Stream, next - 1, (int)Math.Min(ReadPage, message.LastSeq - next + 1), cancellationToken);
            var events = page.Where(e => e.Seq <= message.LastSeq).ToList();
            var missingThrough = events.Count > 0 ? events[0].Seq - 1 : message.LastSeq;
            for (; next <= missingThrough; next++)
            {
                // Handed off but not in the log: cannot happen while the log keeps its promise; recorded, never skipped silently.
                var missing = states.GetValueOrDefault(next);
                if (missing is not { State: DeliveryState.Delivered or DeliveryState.DeadLettered }
                    && await DeadLetterAsync(message.Stream, next, null, missing, DeadLetterOrigins.Missing,
                        $"The event log has no event {next} in stream '{message.Stream}' although it was handed off for delivery.", 0, null, cancellationToken))
                {
                    deadLettered++;
                }
            }

            foreach (var e in events)
            {
                if (e.Seq != next)
                {
                    break; // a gap: the outer loop reads again from next and records the missing seqs
                }

                var state = states.GetValueOrDefault(e.Seq);
                if (state is { State: DeliveryState.Delivered or DeliveryState.DeadLettered })
                {
                    skipped++;
                    next++;
                    continue;
                }

                if (attempted > 0 && _timeProvider.GetElapsedTime(started) >= _options.MessageBudget)
                {
                    await ContinueLaterAsync(message.Stream, e.Seq, message.LastSeq, cancellationToken);
                    Finish(message, delivered, deadLettered, skipped);
                    return new DeliveryOutcome(delivered, deadLettered, skipped, Continued: true);
                }

                attempted++;
                if (await DeliverOneAsync(e, state, cancellationToken))
                {
                    delivered++;
                }
                else
                {
                    deadLettered++;
                }

                next++;
            }
        }

        Finish(message, delivered, deadLettered, skipped);
        return new DeliveryOutcome(delivered, deadLettered, skipped, Continued: false);
    }

    /// <summary>
    /// The poison path: the message failed <c>maxDequeueCount</c> times (storage trouble that outlasted the queue's
    /// retries, or a bug). Every event of its range that is not settled yet is dead-lettered with that reason, so it shows
    /// in the dead-letter store and can be re-driven. Throws when storage still fails (the poison queue retries).
    /// </summary>
    public async Task<int> DeadLetterPoisonedAsync(string messageText, CancellationToken cancellationToken)
    {
        if (await ParseOrDeadLetterAsync(messageText, cancellationToken) is not { } message)
        {
            return 0;
        }

        var states = await _states.GetRangeAsync(message.Stream, message.FirstSeq, message.LastSeq, cancellationToken);
        var count = 0;
        var reason = $"Its delivery message ({message.Stream} {message.FirstSeq}..{message.LastSeq}) failed on every dequeue and was moved to " +
            $"the '{RelayStorageNames.DeliveryPoisonQueue}' queue; the RelayDelivery function's log has the errors.";
        for (var seq = message.FirstSeq; seq <= message.LastSeq; seq++)
        {
            var state = states.GetValueOrDefault(seq);
            if (state is { State: DeliveryState.Delivered or DeliveryState.DeadLettered })
            {
                continue;
            }

            var stored = await _eventLog.GetAsync(message.Stream, seq, cancellationToken);
            if (await DeadLetterAsync(message.Stream, seq, stored, state, DeadLetterOrigins.Poison, reason, 0, null, cancellationToken))
            {
                count++;
            }
        }

        RelayDeliveryLog.Poisoned(_logger, message.Stream, message.FirstSeq, message.LastSeq, count);
        return count;
    }

    /// <summary>Pushes one event; true when it was delivered, false when it was dead-lettered.</summary>
    private async Task<bool> DeliverOneAsync(StoredEvent e, DeliveryStateRow? state, CancellationToken cancellationToken)
    {
        var attempts = new AttemptCounter();
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(EventKey, e);
        try
        {
            await _pipeline.ExecuteAsync(
                static async (ctx, s) =>
                {
                    s.Attempts.Count++;
                    await s.Broadcaster.BroadcastAsync(HubTarget, [DashboardEvent.From(s.Event)], ctx.CancellationToken);
                },
                context,
                (Broadcaster: _broadcaster, Event: e, Attempts: attempts));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw; // stopping: the message comes back and this event is tried again
        }
        catch (Exception error)
        {
            var retryable = RelayPipelines.IsTransientDeliveryFailure(error);
            var origin = retryable ? DeadLetterOrigins.RetriesExhausted : DeadLetterOrigins.NotRetryable;
            var reason = retryable
                ? $"Gave up after {attempts.Count} tries; the last one failed: {Describe(error)}"
                : $"Not retried ({Describe(error)}): the SignalR Service would refuse the same request again.";
            await DeadLetterAsync(e.Stream, e.Seq, e, state, origin, reason, attempts.Count, (error as SignalRRestException)?.StatusCode is { } status ? (int)status : null, cancellationToken);
            return false;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }

        if (await _states.TrySetAsync(e.Stream, e.Seq, DeliveryState.Delivered, attempts.Count, state, cancellationToken))
        {
            _stats.Delivered(1);
            RelayDeliveryLog.Delivered(_logger, e.Stream, e.Seq, e.Id, attempts.Count);
            if (state is { State: DeliveryState.Redriven })
            {
                // A re-drive that stopped between queuing and removing its entry leaves one behind: the event is delivered now.
                await _deadLetters.RemoveAsync(e.Stream, e.Seq, cancellationToken);
            }
        }
        else
        {
            _stats.DeliveredAgain(1);
            RelayDeliveryLog.DeliveredAgain(_logger, e.Stream, e.Seq);
        }

        return true;
    }

    /// <summary>
    /// Records the dead-letter entry, then the state. The entry comes first: a crash in between leaves the event both
    /// listed and undelivered-looking (it is tried again), never settled without an entry. True when this call settled it.
    /// </summary>
    private async Task<bool> DeadLetterAsync(string stream, long seq, StoredEvent? e, DeliveryStateRow? state, string origin, string reason, int attempts, int? statusCode, CancellationToken cancellationToken)
    {
        await _deadLetters.AddAsync(new DeadLetterEntry(stream, seq, e?.Id, e?.Type, reason, origin, attempts, statusCode, _timeProvider.GetUtcNow()), cancellationToken);
        if (!await _states.TrySetAsync(stream, seq, DeliveryState.DeadLettered, attempts, state, cancellationToken))
        {
            // Another try settled it first. If that one delivered it, the entry just written is wrong: take it back.
            if (await _states.GetAsync(stream, seq, cancellationToken) is { State: DeliveryState.Delivered })
            {
                await _deadLetters.RemoveAsync(stream, seq, cancellationToken);
            }

            return false;
        }

        _stats.DeadLettered(1);
        RelayDeliveryLog.DeadLettered(_logger, stream, seq, e?.Id, attempts, reason);
        return true;
    }

    private async Task<RelayDeliveryMessage?> ParseOrDeadLetterAsync(string messageText, CancellationToken cancellationToken)
    {
        try
        {
            return RelayDeliveryMessage.Parse(messageText);
        }
        catch (FormatException e)
        {
            var reason = $"The delivery message is not a valid relay message: {e.Message}";
            await _deadLetters.AddAsync(new DeadLetterEntry(null, null, null, null, reason, DeadLetterOrigins.InvalidMessage, 0, null, _timeProvider.GetUtcNow(), messageText), cancellationToken);
            RelayDeliveryLog.InvalidMessage(_logger, reason);
            return null;
        }
    }

    private async Task ContinueLaterAsync(string stream, long first, long last, CancellationToken cancellationToken)
    {
        await _handOffPipeline.ExecuteAsync(
            async (s, ct) => await s.HandOff.HandOffAsync(RelayDeliveryMessage.For(s.Stream, s.First, s.Last), ct),
            (HandOff: _handOff, Stream: stream, First: first, Last: last),
            cancellationToken);
        RelayDeliveryLog.Continued(_logger, stream, first, last);
    }

    private void Finish(RelayDeliveryMessage message, int delivered, int deadLettered, int skipped)
    {
        if (skipped > 0)
        {
            RelayDeliveryLog.Skipped(_logger, message.Stream, message.FirstSeq, message.LastSeq, skipped);
        }

        RelayDeliveryLog.MessageDone(_logger, message.Stream, message.FirstSeq, message.LastSeq, delivered, deadLettered, skipped);
    }

    /// <summary>Logs and counts one retry (the pipeline's <c>OnRetry</c>).</summary>
    internal static ValueTask OnRetry(OnRetryArguments<object> args, RelayStats stats, ILogger logger)
    {
        stats.Retried();
        if (args.Context.Properties.TryGetValue(EventKey, out var e))
        {
            RelayDeliveryLog.Retrying(logger, e.Stream, e.Seq, args.AttemptNumber + 1, Describe(args.Outcome.Exception), args.RetryDelay.TotalMilliseconds);
        }

        return ValueTask.CompletedTask;
    }

    internal static string Describe(Exception? error) => error switch
    {
        null => "no error",
        SignalRRestException e => $"{(int)e.StatusCode} {e.StatusCode}: {e.Message}",
        TimeoutRejectedException => "no answer within Relay:Delivery:AttemptTimeout",
        _ => $"{error.GetType().Name}: {error.Message}",
    };

    private sealed class AttemptCounter
    {
        public int Count { get; set; }
    }
}
