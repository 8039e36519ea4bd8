using System.Collections.Concurrent;
using Azure;
using Azure.Storage.Blobs.Models;
using FunctionsDashboard.Relay;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Registry;

namespace FunctionsDashboard.EventLog;

/// <summary>
/// Appends to the event log: per stream, gap-free seqs from 1 within a generation, idempotent by event id, each commit
/// one segment row written with the head in one ETag-guarded transaction, the ids claimed beforehand in the stream's
/// index partitions, each committed range handed off to the delivery queue (outbox on the head) and told to every
/// <see cref="IEventLogCommitListener"/>. One in-process writer per stream group-commits concurrent requests.
/// See docs/event-log.md for the protocol and its crash windows.
/// </summary>
public sealed partial class EventLogWriter : IAsyncDisposable, IDisposable
{
    private readonly ConcurrentDictionary<string, StreamWriter> _writers = new(StringComparer.Ordinal);
    private readonly EventLogStore _store;
    private readonly IRelayHandOff _handOff;
    private readonly EventLogCommitListeners _listeners;
    private readonly RelayStats _stats;
    private readonly RelayOptions _options;
    private readonly ResiliencePipeline _writePipeline;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<EventLogWriter> _logger;
    private readonly AckDeadlines _deadlines;
    private readonly CancellationTokenSource _stopping = new();
    private volatile bool _disposing;

    /// <summary>Creates the writer.</summary>
    internal EventLogWriter(
        EventLogStore store,
        IRelayHandOff handOff,
        EventLogCommitListeners listeners,
        RelayStats stats,
        IOptions<RelayOptions> options,
        ResiliencePipelineProvider<string> pipelines,
        TimeProvider timeProvider,
        ILogger<EventLogWriter> logger)
    {
        _store = store;
        _handOff = handOff;
        _listeners = listeners;
        _stats = stats;
        _options = options.Value;
        _writePipeline = pipelines.GetPipeline(RelayPipelines.Write);
        _timeProvider = timeProvider;
        _logger = logger;
        _deadlines = new AckDeadlines(_options.AckTimeout, timeProvider);
    }

    /// <summary>
    /// A claim whose commit has not landed is taken over by a redelivery only after this long: by then its writer's
    /// budget (<see cref="RelayOptions.AckTimeout"/>) has run out, with 10 s to spare for clock skew between instances.
    /// </summary>
    internal TimeSpan ClaimTimeout => _options.AckTimeout + TimeSpan.FromSeconds(10);

    /// <summary>Cancelled when the writer shuts down (ends the hand-off senders' pacing).</summary>
    private CancellationToken Stopping => _stopping.Token;

    /// <summary>
    /// Makes <paramref name="events"/> durable, within <see cref="RelayOptions.AckTimeout"/>, with their ranges in the
    /// outbox; the hand-off to the delivery queue follows beside the next commits. An event whose id is already in its
    /// stream is not written again: it is reported as a duplicate with its first seq (and, if that earlier write is still
    /// in the outbox, handed off again). Throws <see cref="EventLogUnavailableException"/> when
    /// that cannot be done in time; some events may then be durable already, which a retry detects by id.
    /// </summary>
    public async Task<AppendResult> AppendAsync(IReadOnlyList<IncomingEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            return new AppendResult([]);
        }

        var operation = new AppendOperation(events.Count);
        _deadlines.Start(operation); // fails the operation when it is not done within Relay:AckTimeout
        var pending = events.Select((e, i) => new PendingEvent(e, EventLogLayout.IdKey(e.Id), operation, i)).ToList();
        try
        {
            var large = pending.Where(p => p.Event.Data.Length > EventLogLayout.InlineDataMaxBytes).ToList();
            if (large.Count > 0)
            {
                await SpillAllAsync(large, operation, cancellationToken);
            }

            foreach (var group in pending.GroupBy(p => p.Event.Stream, StringComparer.Ordinal))
            {
                if (!WriterFor(group.Key).TryEnqueue([.. group]))
                {
                    throw new EventLogUnavailableException($"Stream '{group.Key}' has too many events waiting to be written; try again later.");
                }
            }

            return await operation.Task.WaitAsync(cancellationToken);
        }
        catch (Exception e) when (e is not (EventLogUnavailableException or OperationCanceledException))
        {
            throw new EventLogUnavailableException("Storage failed while writing the events.", e);
        }
    }

    /// <summary>
    /// Hands off again the committed ranges of <paramref name="stream"/> that have been pending since before
    /// <paramref name="cutoff"/> (the outbox sweep). Returns how many ranges it handed off.
    /// </summary>
    internal Task<int> RecoverAsync(string stream, DateTimeOffset cutoff, CancellationToken cancellationToken) =>
        WriterFor(stream).RecoverAsync(cutoff).WaitAsync(cancellationToken);

    /// <summary>
    /// A reader saw <paramref name="seq"/> of <paramref name="generation"/>, beyond the stored head: unless the head has
    /// caught up meanwhile, the log lost its tail, and the stream starts a new generation. Returns the head afterwards.
    /// </summary>
    internal Task<HeadRow?> ReportAheadAsync(string stream, string generation, long seq, CancellationToken cancellationToken) =>
        WriterFor(stream).ReportAheadAsync(generation, seq).WaitAsync(cancellationToken);

    /// <summary>The furthest head this instance has committed for <paramref name="stream"/>, or null (fresher than the directory).</summary>
    internal HeadRow? AcknowledgedHead(string stream) =>
        _writers.TryGetValue(stream, out var writer) ? writer.Acknowledged : null;

    /// <summary>Shutdown without waiting: writers flush the outbox removals they were deferring, then stop.</summary>
    public void Dispose()
    {
        _disposing = true;
        _stopping.Cancel();
        foreach (var writer in _writers.Values)
        {
            _ = writer.WakeForShutdown();
        }

        _deadlines.Dispose();
    }

    /// <summary>Shutdown: writers flush the outbox removals they were deferring (bounded wait), then stop.</summary>
    public async ValueTask DisposeAsync()
    {
        _disposing = true;
        _stopping.Cancel();
        var idle = _writers.Values.Select(w => w.WakeForShutdown()).ToList();
        try
        {
            await Task.WhenAll(idle).WaitAsync(TimeSpan.FromSeconds(2), _timeProvider);
        }
        catch (TimeoutException)
        {
            // Whatever is still pending stays in the outbox; the sweep of the next instance hands it off again.
        }

        _deadlines.Dispose();
    }

    private StreamWriter WriterFor(string stream) =>
        _writers.GetOrAdd(stream, static (s, log) => new StreamWriter(log, s), this);

    /// <summary>
    /// Uploads the data of large events, within the call's budget (rare enough for a timer of its own; the deadlines
    /// fail the call itself at the same time).
    /// </summary>
    private async Task SpillAllAsync(List<PendingEvent> large, AppendOperation operation, CancellationToken cancellationToken)
    {
        using var budget = new CancellationTokenSource(_options.AckTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(budget.Token, cancellationToken);
        try
        {
            await Task.WhenAll(large.Select(p => SpillAsync(p, linked.Token)));
        }
        catch (OperationCanceledException) when (budget.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            var error = new EventLogUnavailableException($"The events were not durable within Relay:AckTimeout ({_options.AckTimeout}).");
            operation.Fail(error);
            throw error;
        }
    }

    private async Task SpillAsync(PendingEvent pending, CancellationToken cancellationToken)
    {
        var day = _store.Today;
        var name = $"{pending.Event.Stream}/{pending.IdKey}";
        await _writePipeline.ExecuteAsync(
            async (state, ct) =>
            {
                await state.Store.EnsureContainerAsync(state.Day, ct);
                try
                {
                    await state.Store.WritePayloads(state.Day).GetBlobClient(state.Name).UploadAsync(
                        BinaryData.FromBytes(state.Pending.Event.Data),
                        new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } },
                        ct);
                }
                catch (RequestFailedException e) when (e.Status == 409)
                {
                    // First write wins, like the log itself: a redelivery finds the blob already there.
                }
            },
            (Store: _store, Day: day, Name: name, Pending: pending),
            cancellationToken);
        pending.Blob = $"{EventLogLayout.PayloadContainer(day)}/{name}";
    }

    private Task HandOffAsync(string stream, PendingRange range) =>
        _writePipeline.ExecuteAsync(
            async (state, ct) => await state.HandOff.HandOffAsync(RelayDeliveryMessage.For(state.Stream, state.Range.First, state.Range.Last), ct),
            (HandOff: _handOff, Stream: stream, Range: range),
            CancellationToken.None).AsTask();

    private void Notify(string stream, string generation, IReadOnlyList<StoredEvent> events)
    {
        IReadOnlyList<IEventLogCommitListener> listeners;
        try
        {
            listeners = _listeners.All;
        }
        catch (Exception e)
        {
            // A listener that cannot be built must not fail a durable commit: the queue hand-off still delivers.
            EventLogLog.ListenerFailed(_logger, stream, nameof(IEventLogCommitListener), e);
            return;
        }

        if (listeners.Count == 0 || events.Count == 0)
        {
            return;
        }

        var committed = new CommittedEvents(stream, generation, events);
        foreach (var listener in listeners)
        {
            try
            {
                listener.OnCommitted(committed);
            }
            catch (Exception e)
            {
                EventLogLog.ListenerFailed(_logger, stream, listener.GetType().Name, e);
            }
        }
    }

    /// <summary>One event on its way into the log.</summary>
    private sealed class PendingEvent(IncomingEvent e, string idKey, AppendOperation operation, int index)
    {
        public IncomingEvent Event { get; } = e;

        public string IdKey { get; } = idKey;

        public AppendOperation Operation { get; } = operation;

        public int Index { get; } = index;

        /// <summary><c>container/name</c> of the blob holding the data of a large event.</summary>
        public string? Blob { get; set; }

        /// <summary>When a claim of another commit was still in flight: not before this timestamp again.</summary>
        public long NotBefore { get; set; }

        public int Cost => SegmentCodec.Cost(Event, Blob is not null);
    }

    /// <summary>The events of one <see cref="AppendAsync"/> call: completes when every one is resolved.</summary>
    private sealed class AppendOperation(int count)
    {
        private readonly AppendedEvent[] _results = new AppendedEvent[count];
        private readonly TaskCompletionSource<AppendResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _remaining = count;

        public Task<AppendResult> Task => _completion.Task;

        public bool IsDone => _completion.Task.IsCompleted;

        public void Complete(int index, AppendedEvent result)
        {
            _results[index] = result;
            if (Interlocked.Decrement(ref _remaining) == 0)
            {
                _completion.TrySetResult(new AppendResult(_results));
            }
        }

        public void Fail(Exception exception) => _completion.TrySetException(exception);
    }
}
