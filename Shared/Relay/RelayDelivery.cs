using FunctionsDashboard.EventLog;
using FunctionsDashboard.SignalR;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Registry;
using Polly.Timeout;

namespace FunctionsDashboard.Relay;

/// <summary>
/// The delivery half of the relay. Events reach dashboards as hub message <see cref="HubTarget"/> with one
/// <see cref="DashboardEvent"/> (or, when <see cref="RelayDeliveryOptions.MaxEventsPerMessage"/> allows it,
/// <see cref="BatchHubTarget"/> with several consecutive ones), in seq order per stream, through one sender per stream
/// (<see cref="RelayDeliveryStream"/>) fed by the fast path (<see cref="RelayDeliveryListener"/>, straight after the
/// commit) and by this class's <see cref="DeliverAsync"/> (the <c>RelayDelivery</c> queue function, the safety net). Every
/// event ends delivered, or dead-lettered with its reason. See docs/relay-delivery.md.
/// </summary>
public sealed class RelayDelivery
{
    /// <summary>The hub method dashboards receive one event on (argument: one <see cref="DashboardEvent"/>).</summary>
    public const string HubTarget = "event";

    /// <summary>
    /// The hub method dashboards receive several events on (argument: an array of <see cref="DashboardEvent"/> of one
    /// stream, ascending consecutive seqs); only sent when <see cref="RelayDeliveryOptions.MaxEventsPerMessage"/> is above 1.
    /// </summary>
    public const string BatchHubTarget = "events";

    private readonly RelayDeliveryStreams _streams;
    private readonly RelayDeliverySender _sender;
    private readonly IEventLogReader _reader;
    private readonly DeadLetterStore _deadLetters;
    private readonly IRelayHandOff _handOff;
    private readonly RelayDeliveryOptions _options;
    private readonly ResiliencePipeline _handOffPipeline;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<RelayDelivery> _logger;

    /// <summary>Creates the delivery service.</summary>
    internal RelayDelivery(
        RelayDeliveryStreams streams,
        RelayDeliverySender sender,
        IEventLogReader reader,
        DeadLetterStore deadLetters,
        IRelayHandOff handOff,
        IOptions<RelayOptions> options,
        ResiliencePipelineProvider<string> pipelines,
        TimeProvider timeProvider,
        ILogger<RelayDelivery> logger)
    {
        _streams = streams;
        _sender = sender;
        _reader = reader;
        _deadLetters = deadLetters;
        _handOff = handOff;
        _options = options.Value.Delivery;
        _handOffPipeline = pipelines.GetPipeline(RelayPipelines.Write);
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>
    /// The safety net for the range of one queue message: returns once every event of the range is settled by the
    /// stream's sender (at once, with no storage call, when the fast path already settled it), or, when
    /// <see cref="RelayDeliveryOptions.MessageBudget"/> ran out first, once the unsettled rest is handed off as a new
    /// message. A re-drive message sends its events again whatever the watermark says. Throws only when storage fails
    /// (the queue then retries the message) or on cancellation. An unreadable message is dead-lettered, not thrown.
    /// </summary>
    public async Task<DeliveryOutcome> DeliverAsync(string messageText, CancellationToken cancellationToken)
    {
        if (await ParseOrDeadLetterAsync(messageText, cancellationToken) is not { } message)
        {
            return new DeliveryOutcome(0, AlreadySettled: false, Continued: false);
        }

        if (message.Redrive)
        {
            await RedeliverAsync(message, cancellationToken);
            return new DeliveryOutcome(message.LastSeq, AlreadySettled: false, Continued: false);
        }

        var stream = _streams.For(message.Stream);
        var settling = stream.SettleAsync(message.LastSeq, cancellationToken);
        if (settling.IsCompletedSuccessfully)
        {
            RelayDeliveryLog.AlreadySettled(_logger, message.Stream, message.FirstSeq, message.LastSeq);
            return new DeliveryOutcome(settling.Result, AlreadySettled: true, Continued: false);
        }

        using var budget = new CancellationTokenSource(_options.MessageBudget, _timeProvider);
        try
        {
            var through = await settling.WaitAsync(budget.Token);
            RelayDeliveryLog.MessageDone(_logger, message.Stream, message.FirstSeq, message.LastSeq, through);
            return new DeliveryOutcome(through, AlreadySettled: false, Continued: false);
        }
        catch (OperationCanceledException) when (budget.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            var first = Math.Max(message.FirstSeq, stream.Settled + 1);
            if (first > message.LastSeq)
            {
                return new DeliveryOutcome(message.LastSeq, AlreadySettled: false, Continued: false);
            }

            await ContinueLaterAsync(message.Stream, first, message.LastSeq, cancellationToken);
            return new DeliveryOutcome(first - 1, AlreadySettled: false, Continued: true);
        }
    }

    /// <summary>
    /// The poison path: the message failed <c>maxDequeueCount</c> times (storage trouble that outlasted the queue's
    /// retries, or a bug). Every event of its range above the delivered watermark is dead-lettered with that reason, so it
    /// shows in the dead-letter store and can be re-driven. Throws when storage still fails (the poison queue retries).
    /// </summary>
    public async Task<int> DeadLetterPoisonedAsync(string messageText, CancellationToken cancellationToken)
    {
        if (await ParseOrDeadLetterAsync(messageText, cancellationToken) is not { } message)
        {
            return 0;
        }

        var durable = await _streams.States.GetAsync(message.Stream, cancellationToken);
        var settled = Math.Max(_streams.For(message.Stream).Settled, durable?.Through ?? 0);
        var reason = $"Its delivery message ({message.Stream} {message.FirstSeq}..{message.LastSeq}) failed on every dequeue and was moved to " +
            $"the '{RelayStorageNames.DeliveryPoisonQueue}' queue; the RelayDelivery function's log has the errors.";
        var count = 0;
        var first = Math.Max(message.FirstSeq, settled + 1);
        if (first <= message.LastSeq)
        {
            var events = await ReadRangeAsync(message.Stream, first, message.LastSeq, cancellationToken);
            for (var seq = first; seq <= message.LastSeq; seq++)
            {
                await _sender.DeadLetterAsync(message.Stream, seq, events.GetValueOrDefault(seq), DeadLetterOrigins.Poison, reason, 0, null, cancellationToken);
                count++;
            }
        }

        RelayDeliveryLog.Poisoned(_logger, message.Stream, message.FirstSeq, message.LastSeq, count);
        return count;
    }

    /// <summary>A re-drive: sends the range again (in batches), then takes the delivered events' entries out of the store.</summary>
    private async Task RedeliverAsync(RelayDeliveryMessage message, CancellationToken cancellationToken)
    {
        var events = await ReadRangeAsync(message.Stream, message.FirstSeq, message.LastSeq, cancellationToken);
        for (var seq = message.FirstSeq; seq <= message.LastSeq; seq++)
        {
            if (!events.ContainsKey(seq))
            {
                await _sender.DeadLetterAsync(message.Stream, seq, null, DeadLetterOrigins.Missing,
                    $"The event log has no event {seq} in stream '{message.Stream}' (re-drive); it may have expired.", 0, null, cancellationToken);
            }
        }

        foreach (var run in Runs([.. events.Values.OrderBy(e => e.Seq)], _options.MaxEventsPerMessage))
        {
            var result = await _sender.SendAsync(run, cancellationToken);
            foreach (var seq in result.Delivered)
            {
                await _deadLetters.RemoveAsync(message.Stream, seq, cancellationToken);
            }
        }
    }

    private async Task<Dictionary<long, StoredEvent>> ReadRangeAsync(string stream, long first, long last, CancellationToken cancellationToken)
    {
        var events = new Dictionary<long, StoredEvent>();
        var after = first - 1;
        while (after < last)
        {
            var page = await _reader.ReadAfterAsync(stream, null, after, (int)Math.Min(RelayDeliveryStream.ReadPage, last - after), cancellationToken);
            var inRange = page.Events.Where(e => e.Seq > after && e.Seq <= last).ToList();
            if (page.Reset || inRange.Count == 0)
            {
                break;
            }

            inRange.ForEach(e => events[e.Seq] = e);
            after = inRange[^1].Seq;
        }

        return events;
    }

    /// <summary>Consecutive runs of at most <paramref name="max"/> events.</summary>
    private static IEnumerable<List<StoredEvent>> Runs(List<StoredEvent> events, int max)
    {
        var run = new List<StoredEvent>();
        foreach (var e in events)
        {
            if (run.Count > 0 && (run.Count == max || e.Seq != run[^1].Seq + 1))
            {
                yield return run;
                run = [];
            }

            run.Add(e);
        }

        if (run.Count > 0)
        {
            yield return run;
        }
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
            RelayDeliveryLog.InvalidMessage(_logger, Hardening.LogValue.Bounded(reason, 512));
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

    internal static string Describe(Exception? error) => error switch
    {
        null => "no error",
        SignalRRestException e => $"{(int)e.StatusCode} {e.StatusCode}: {e.Message}",
        TimeoutRejectedException => "no answer within Relay:Delivery:AttemptTimeout",
        _ => $"{error.GetType().Name}: {error.Message}",
    };
}
