using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using FunctionsDashboard.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Registry;

namespace FunctionsDashboard.Relay;

/// <summary>
/// The relay's durable event log in Table Storage: per stream, gap-free sequence numbers from 1, idempotent by event id,
/// each committed range handed off to the delivery queue (an outbox on the stream's head row covers a crash between the
/// commit and the hand-off). Writes to one stream are group-committed by one in-process writer, so concurrent webhook
/// calls share transactions instead of fighting over the head row. See docs/relay.md.
/// </summary>
public sealed partial class RelayEventLog : IAsyncDisposable, IDisposable
{
    /// <summary>Largest page <see cref="ReadAfterAsync"/> returns.</summary>
    public const int MaxReadLimit = 1000;

    private readonly ConcurrentDictionary<string, StreamWriter> _writers = new(StringComparer.Ordinal);
    private readonly IRelayHandOff _handOff;
    private readonly RelayStats _stats;
    private readonly RelayOptions _options;
    private readonly ResiliencePipeline _writePipeline;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<RelayEventLog> _logger;
    private readonly TableClient _writeTable;
    private readonly TableClient _readTable;
    private readonly BlobContainerClient _writePayloads;
    private readonly BlobContainerClient _readPayloads;
    private volatile bool _disposing;

    /// <summary>Creates the event log.</summary>
    public RelayEventLog(
        DashboardStorage storage,
        IRelayHandOff handOff,
        RelayStats stats,
        IOptions<RelayOptions> options,
        ResiliencePipelineProvider<string> pipelines,
        TimeProvider timeProvider,
        ILogger<RelayEventLog> logger)
    {
        _handOff = handOff;
        _stats = stats;
        _options = options.Value;
        _writePipeline = pipelines.GetPipeline(RelayPipelines.Write);
        _timeProvider = timeProvider;
        _logger = logger;

        // Writes try once per Polly attempt (the pipeline owns retries and the time budget); reads use the SDK's retries.
        _writeTable = storage.SingleTryTable(RelayStorageNames.EventLogTable);
        _readTable = storage.Table(RelayStorageNames.EventLogTable);
        _writePayloads = storage.SingleTryContainer(RelayStorageNames.PayloadContainer);
        _readPayloads = storage.Container(RelayStorageNames.PayloadContainer);
    }

    /// <summary>
    /// Makes <paramref name="events"/> durable and hands them off, within <see cref="RelayOptions.AckTimeout"/>. An event
    /// whose id is already in its stream is not written again: it is reported as a duplicate with its first seq (and, if
    /// that earlier write was never handed off, handed off now). Throws <see cref="EventLogUnavailableException"/> when
    /// that cannot be done in time; some events may then be durable already, which a retry detects by id.
    /// </summary>
    public async Task<AppendResult> AppendAsync(IReadOnlyList<IncomingEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            return new AppendResult([]);
        }

        using var budget = new CancellationTokenSource(_options.AckTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(budget.Token, cancellationToken);
        var operation = new AppendOperation(events.Count);
        var pending = events.Select((e, i) => new PendingEvent(e, EventLogRows.IdKey(e.Id), operation, i)).ToList();
        try
        {
            var large = pending.Where(p => p.Event.Data.Length > EventLogRows.InlineDataMaxBytes).ToList();
            if (large.Count > 0)
            {
                await Task.WhenAll(large.Select(p => SpillAsync(p, linked.Token)));
            }

            foreach (var group in pending.GroupBy(p => p.Event.Stream, StringComparer.Ordinal))
            {
                var items = group.ToList();
                if (!_writers.GetOrAdd(group.Key, static (stream, log) => new StreamWriter(log, stream), this).TryEnqueue(items))
                {
                    throw new EventLogUnavailableException($"Stream '{group.Key}' has too many events waiting to be written; try again later.");
                }
            }

            return await operation.Task.WaitAsync(linked.Token);
        }
        catch (OperationCanceledException) when (budget.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new EventLogUnavailableException($"The events were not durable within Relay:AckTimeout ({_options.AckTimeout}).");
        }
        catch (Exception e) when (e is not (EventLogUnavailableException or OperationCanceledException))
        {
            throw new EventLogUnavailableException("Storage failed while writing the events.", e);
        }
    }

    /// <summary>
    /// Up to <paramref name="limit"/> events of <paramref name="stream"/> with a seq greater than <paramref name="afterSeq"/>,
    /// in seq order (SSE resume, history gap fill, delivery).
    /// </summary>
    public async Task<IReadOnlyList<StoredEvent>> ReadAfterAsync(string stream, long afterSeq, int limit, CancellationToken cancellationToken)
    {
        ThrowIfInvalidStream(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(afterSeq, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        limit = Math.Min(limit, MaxReadLimit);

        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {stream} and RowKey gt {EventLogRows.SeqKey(afterSeq)} and RowKey le {EventLogRows.MaxSeqKey}");
        var events = new List<StoredEvent>(Math.Min(limit, 64));
        await foreach (var entity in _readTable.QueryAsync<TableEntity>(filter, maxPerPage: limit, cancellationToken: cancellationToken))
        {
            events.Add(await ToStoredEventAsync(entity, cancellationToken));
            if (events.Count == limit)
            {
                break;
            }
        }

        return events;
    }

    /// <summary>The event with <paramref name="seq"/> in <paramref name="stream"/>, or null.</summary>
    public async Task<StoredEvent?> GetAsync(string stream, long seq, CancellationToken cancellationToken)
    {
        ThrowIfInvalidStream(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(seq, 1);
        var entity = await _readTable.GetEntityIfExistsAsync<TableEntity>(stream, EventLogRows.SeqKey(seq), cancellationToken: cancellationToken);
        return entity.HasValue ? await ToStoredEventAsync(entity.Value!, cancellationToken) : null;
    }

    /// <summary>The highest seq of <paramref name="stream"/> (0 when it has no events).</summary>
    public async Task<long> GetLastSeqAsync(string stream, CancellationToken cancellationToken)
    {
        ThrowIfInvalidStream(stream);
        var head = await _readTable.GetEntityIfExistsAsync<TableEntity>(stream, EventLogRows.HeadRowKey, cancellationToken: cancellationToken);
        return head.HasValue ? EventLogRows.ReadHead(head.Value!).LastSeq : 0;
    }

    /// <summary>The streams that have events.</summary>
    public async Task<IReadOnlyList<string>> ListStreamsAsync(CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {EventLogRows.StreamsPartition}");
        var streams = new List<string>();
        await foreach (var entity in _readTable.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: cancellationToken))
        {
            streams.Add(entity.RowKey);
        }

        return streams;
    }

    /// <summary>
    /// The outbox sweep: hands off again every committed range that has been pending for longer than
    /// <see cref="RelayOptions.PendingGrace"/> (its writer crashed between commit and hand-off, or the hand-off failed and
    /// Event Grid gave up). Returns how many ranges it handed off.
    /// </summary>
    public async Task<int> RecoverPendingAsync(CancellationToken cancellationToken)
    {
        var cutoff = _timeProvider.GetUtcNow() - _options.PendingGrace;
        var recovered = 0;
        foreach (var stream in await ListStreamsAsync(cancellationToken))
        {
            var head = await _readTable.GetEntityIfExistsAsync<TableEntity>(stream, EventLogRows.HeadRowKey, cancellationToken: cancellationToken);
            if (head.HasValue && EventLogRows.ReadHead(head.Value!).Pending.Any(r => r.Since <= cutoff))
            {
                recovered += await _writers.GetOrAdd(stream, static (s, log) => new StreamWriter(log, s), this).RecoverAsync(cutoff).WaitAsync(cancellationToken);
            }
        }

        return recovered;
    }

    /// <summary>Shutdown without waiting: writers flush the outbox removals they were deferring, then stop.</summary>
    public void Dispose()
    {
        _disposing = true;
        foreach (var writer in _writers.Values)
        {
            _ = writer.WakeForShutdown();
        }
    }

    /// <summary>Shutdown: writers flush the outbox removals they were deferring (bounded wait), then stop.</summary>
    public async ValueTask DisposeAsync()
    {
        _disposing = true;
        var idle = _writers.Values.Select(w => w.WakeForShutdown()).ToList();
        try
        {
            await Task.WhenAll(idle).WaitAsync(TimeSpan.FromSeconds(2), _timeProvider);
        }
        catch (TimeoutException)
        {
            // Whatever is still pending stays in the outbox; the sweep of the next instance hands it off again.
        }
    }

    private static void ThrowIfInvalidStream(string stream)
    {
        if (!StreamName.IsValid(stream))
        {
            throw new ArgumentException($"'{stream}' is not a stream name (see StreamName.From).", nameof(stream));
        }
    }

    private async Task SpillAsync(PendingEvent pending, CancellationToken cancellationToken)
    {
        var name = EventLogRows.BlobName(pending.Event.Stream, pending.IdKey);
        await _writePipeline.ExecuteAsync(
            async (state, ct) =>
            {
                try
                {
                    await state.Payloads.GetBlobClient(state.Name).UploadAsync(
                        BinaryData.FromBytes(state.Pending.Event.Data),
                        new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } },
                        ct);
                }
                catch (RequestFailedException e) when (e.Status == 409)
                {
                    // First write wins, like the log itself: a redelivery finds the blob already there.
                }
            },
            (Payloads: _writePayloads, Name: name, Pending: pending),
            cancellationToken);
        pending.BlobName = name;
    }

    private async Task<StoredEvent> ToStoredEventAsync(TableEntity entity, CancellationToken cancellationToken)
    {
        if (EventLogRows.DataBlob(entity) is { } blob)
        {
            var content = await _readPayloads.GetBlobClient(blob).DownloadContentAsync(cancellationToken);
            return EventLogRows.ToStoredEvent(entity, content.Value.Content.ToMemory().Span);
        }

        return EventLogRows.ToStoredEvent(entity, EventLogRows.InlineData(entity));
    }

    private async Task<HeadRow> ReadHeadAsync(string stream, CancellationToken cancellationToken)
    {
        var head = await _writeTable.GetEntityIfExistsAsync<TableEntity>(stream, EventLogRows.HeadRowKey, cancellationToken: cancellationToken);
        if (head.HasValue)
        {
            return EventLogRows.ReadHead(head.Value!);
        }

        // A new stream: list it first (idempotent), so the outbox sweep finds it without scanning the table.
        await _writeTable.UpsertEntityAsync(EventLogRows.StreamListing(stream, _timeProvider.GetUtcNow()), TableUpdateMode.Merge, cancellationToken);
        return HeadRow.New;
    }

    private async Task<Dictionary<string, long>> ReadIdsAsync(string stream, IReadOnlyList<PendingEvent> events, CancellationToken cancellationToken)
    {
        var reads = events.Select(async e =>
        {
            var row = await _writeTable.GetEntityIfExistsAsync<TableEntity>(stream, e.IdKey, select: ["Seq"], cancellationToken: cancellationToken);
            return (e.IdKey, Seq: row.HasValue ? row.Value!.GetInt64("Seq") : null);
        });
        var found = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (idKey, seq) in await Task.WhenAll(reads))
        {
            if (seq is { } s)
            {
                found[idKey] = s;
            }
        }

        return found;
    }

    private Task HandOffAsync(string stream, PendingRange range) =>
        _writePipeline.ExecuteAsync(
            async (state, ct) => await state.HandOff.HandOffAsync(RelayDeliveryMessage.For(state.Stream, state.Range.First, state.Range.Last), ct),
            (HandOff: _handOff, Stream: stream, Range: range),
            CancellationToken.None).AsTask();

    /// <summary>One event on its way into the log.</summary>
    private sealed class PendingEvent(IncomingEvent e, string idKey, AppendOperation operation, int index)
    {
        public IncomingEvent Event { get; } = e;

        public string IdKey { get; } = idKey;

        public AppendOperation Operation { get; } = operation;

        public int Index { get; } = index;

        public string? BlobName { get; set; }

        public int Cost => EventLogRows.Cost(Event, BlobName is not null);
    }

    /// <summary>The events of one <see cref="AppendAsync"/> call: completes when every one is resolved.</summary>
    private sealed class AppendOperation(int count)
    {
        private readonly AppendedEvent[] _results = new AppendedEvent[count];
        private readonly TaskCompletionSource<AppendResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _remaining = count;

        public Task<AppendResult> Task => _completion.Task;

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
