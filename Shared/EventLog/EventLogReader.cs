using System.Collections.Concurrent;
using FunctionsDashboard.Relay;

namespace FunctionsDashboard.EventLog;

/// <summary>
/// Reads the event log v2: the head (from the bucket last seen, else via the stream directory), segments by range query
/// across the stream's day buckets, the directory for <see cref="ListStreamsAsync"/>. Positions older than retention,
/// of another generation or ahead of the head are answered with <see cref="EventLogPage.Reset"/>.
/// </summary>
public sealed class EventLogReader : IEventLogReader
{
    /// <summary>Largest page a read returns.</summary>
    public const int MaxReadLimit = 1000;

    /// <summary>Segments fetched per query page (a segment holds up to 500 events).</summary>
    private const int SegmentsPerPage = 8;

    private readonly EventLogStore _store;
    private readonly EventLogWriter _writer;
    private readonly ConcurrentDictionary<string, DateOnly> _headBuckets = new(StringComparer.Ordinal);

    internal EventLogReader(EventLogStore store, EventLogWriter writer)
    {
        _store = store;
        _writer = writer;
    }

    /// <inheritdoc />
    public async Task<EventLogPage> ReadAfterAsync(string stream, string? generation, long afterSeq, int limit, CancellationToken cancellationToken)
    {
        ThrowIfInvalidStream(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var row = await ReadHeadRowAsync(stream, cancellationToken);
        if (row is null)
        {
            return new EventLogPage([], new StreamHead(stream, "", 0, 1), Reset: afterSeq != 0);
        }

        var head = row.ToStreamHead(_store.FirstRetainedDay);
        var reset = (generation is not null && generation != head.Generation) || afterSeq < head.FirstRetainedSeq - 1 || afterSeq > head.LastSeq;
        var from = reset ? head.FirstRetainedSeq - 1 : afterSeq;
        var events = await ReadRangeAsync(stream, row.Buckets, from, Math.Min(limit, MaxReadLimit), cancellationToken);
        return new EventLogPage(events, head, reset);
    }

    /// <inheritdoc />
    public async Task<StreamHead?> GetHeadAsync(string stream, CancellationToken cancellationToken)
    {
        ThrowIfInvalidStream(stream);
        return (await ReadHeadRowAsync(stream, cancellationToken))?.ToStreamHead(_store.FirstRetainedDay);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<StreamHead>> ListStreamsAsync(CancellationToken cancellationToken)
    {
        // The directory is refreshed after commits (coalesced); what this instance committed itself it knows exactly.
        var firstRetainedDay = _store.FirstRetainedDay;
        return [.. (await _store.Directory.ListAsync(cancellationToken)).Select(d =>
            _writer.AcknowledgedHead(d.Stream) is { } own && (own.Epoch > d.Epoch || (own.Epoch == d.Epoch && own.LastSeq > d.LastSeq))
                ? own.ToStreamHead(firstRetainedDay)
                : d.ToStreamHead(firstRetainedDay))];
    }

    /// <inheritdoc />
    public async Task<StreamHead?> ReportAheadAsync(string stream, string generation, long seq, CancellationToken cancellationToken)
    {
        ThrowIfInvalidStream(stream);
        ArgumentNullException.ThrowIfNull(generation);
        var current = await GetHeadAsync(stream, cancellationToken);
        if (current is null || current.Generation != generation || current.LastSeq >= seq)
        {
            return current; // nothing to check: another generation, or the head is not behind
        }

        var head = await _writer.ReportAheadAsync(stream, generation, seq, cancellationToken);
        return head?.ToStreamHead(_store.FirstRetainedDay);
    }

    /// <summary>Up to <paramref name="limit"/> events with a seq greater than <paramref name="afterSeq"/>, no reset logic.</summary>
    public async Task<IReadOnlyList<StoredEvent>> ReadAfterAsync(string stream, long afterSeq, int limit, CancellationToken cancellationToken)
    {
        ThrowIfInvalidStream(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(afterSeq, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var row = await ReadHeadRowAsync(stream, cancellationToken);
        return row is null ? [] : await ReadRangeAsync(stream, row.Buckets, afterSeq, Math.Min(limit, MaxReadLimit), cancellationToken);
    }

    /// <summary>The event with <paramref name="seq"/>, or null.</summary>
    public async Task<StoredEvent?> GetAsync(string stream, long seq, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(seq, 1);
        var events = await ReadAfterAsync(stream, seq - 1, 1, cancellationToken);
        return events is [{ } e] && e.Seq == seq ? e : null;
    }

    private static void ThrowIfInvalidStream(string stream)
    {
        if (!StreamName.IsValid(stream))
        {
            throw new ArgumentException($"'{stream}' is not a stream name (see StreamName.From).", nameof(stream));
        }
    }

    private async Task<List<StoredEvent>> ReadRangeAsync(string stream, IReadOnlyList<BucketStart> buckets, long afterSeq, int limit, CancellationToken cancellationToken)
    {
        var events = new List<StoredEvent>(Math.Min(limit, 64));
        var start = 0;
        for (var i = 0; i < buckets.Count; i++)
        {
            if (buckets[i].FirstSeq <= afterSeq + 1)
            {
                start = i;
            }
        }

        for (var i = start; i < buckets.Count && events.Count < limit; i++)
        {
            await foreach (var segment in _store.SegmentsFromAsync(stream, buckets[i].Day, afterSeq + 1, SegmentsPerPage, cancellationToken))
            {
                events.AddRange(await SegmentCodec.DecodeAsync(segment, afterSeq, limit - events.Count, _store.LoadBlobAsync, cancellationToken));
                afterSeq = Math.Max(afterSeq, segment.Last);
                if (events.Count >= limit)
                {
                    break;
                }
            }
        }

        return events;
    }

    private async Task<HeadRow?> ReadHeadRowAsync(string stream, CancellationToken cancellationToken)
    {
        if (_headBuckets.TryGetValue(stream, out var bucket)
            && await _store.FindHeadAsync(stream, bucket, forWrite: false, cancellationToken) is { Next: null } cached)
        {
            return Remember(cached);
        }

        var directory = await _store.Directory.GetAsync(stream, cancellationToken);
        if (directory is null)
        {
            return null;
        }

        var head = await _store.FindHeadAsync(stream, directory.Bucket, forWrite: false, cancellationToken);
        if (head is not null)
        {
            return Remember(head);
        }

        // Listed, but no head stored (yet, or its bucket expired): what the directory knows.
        return directory.LastSeq == 0 ? null
            : new HeadRow(stream, directory.Bucket, directory.LastSeq, directory.Generation, directory.Epoch, [], directory.Buckets, null, null);
    }

    private HeadRow Remember(HeadRow head)
    {
        _headBuckets[head.Stream] = head.Bucket;
        return head;
    }
}
