using System.Collections.Concurrent;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using FunctionsDashboard.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.EventLog;

/// <summary>
/// The storage of the event log: bucket tables and payload containers by day, the stream directory, head lookup (from
/// the directory's bucket along the chain of sealed heads) and segment queries. Shared by writer, reader and retention.
/// </summary>
internal sealed class EventLogStore : IAsyncDisposable
{
    private readonly DashboardStorage _storage;
    private readonly TimeProvider _timeProvider;
    private readonly ConcurrentDictionary<DateOnly, Task> _createdTables = new();
    private readonly ConcurrentDictionary<DateOnly, Task> _createdContainers = new();
    private readonly ConcurrentDictionary<DateOnly, Task> _createdIndexTables = new();

    public EventLogStore(DashboardStorage storage, IOptions<EventLogOptions> options, TimeProvider timeProvider, ILogger<EventLogStore> logger)
    {
        _storage = storage;
        _timeProvider = timeProvider;
        Options = options.Value;
        Directory = new StreamDirectory(storage, options, timeProvider, logger);
    }

    public EventLogOptions Options { get; }

    public StreamDirectory Directory { get; }

    public DashboardStorage Storage => _storage;

    /// <summary>The oldest day whose bucket is still retained: buckets of earlier days are (or are about to be) dropped.</summary>
    public DateOnly FirstRetainedDay => EventLogLayout.DayOf(_timeProvider.GetUtcNow() - Options.Retention);

    public DateOnly Today => EventLogLayout.DayOf(_timeProvider.GetUtcNow());

    /// <summary>Write client of a bucket table (one try: the caller's Polly pipeline owns retries).</summary>
    public TableClient WriteTable(DateOnly day) => _storage.SingleTryTable(EventLogLayout.BucketTable(day));

    /// <summary>Read client of a bucket table (SDK retries).</summary>
    public TableClient ReadTable(DateOnly day) => _storage.Table(EventLogLayout.BucketTable(day));

    /// <summary>Write client of the id-index table of the window starting on <paramref name="window"/> (one try).</summary>
    public TableClient WriteIndexTable(DateOnly window) => _storage.SingleTryTable(EventLogLayout.IndexTable(window));

    /// <summary>Creates the id-index table of a window once per process (idempotent).</summary>
    public Task EnsureIndexTableAsync(DateOnly window, CancellationToken cancellationToken) =>
        Once(_createdIndexTables, window, w => _storage.Table(EventLogLayout.IndexTable(w)).CreateIfNotExistsAsync(CancellationToken.None), cancellationToken);

    /// <summary>Forgets that an id-index window's table exists (retention dropped it).</summary>
    public void ForgetIndex(DateOnly window) => _createdIndexTables.TryRemove(window, out _);

    public BlobContainerClient WritePayloads(DateOnly day) => _storage.SingleTryContainer(EventLogLayout.PayloadContainer(day));

    /// <summary>Creates the bucket table once per process (idempotent).</summary>
    public Task EnsureTableAsync(DateOnly day, CancellationToken cancellationToken) =>
        Once(_createdTables, day, d => _storage.Table(EventLogLayout.BucketTable(d)).CreateIfNotExistsAsync(CancellationToken.None), cancellationToken);

    /// <summary>Creates the payload container of a day once per process (idempotent).</summary>
    public Task EnsureContainerAsync(DateOnly day, CancellationToken cancellationToken) =>
        Once(_createdContainers, day, d => _storage.Container(EventLogLayout.PayloadContainer(d)).CreateIfNotExistsAsync(cancellationToken: CancellationToken.None), cancellationToken);

    /// <summary>Forgets that a bucket's table and container exist (retention dropped them).</summary>
    public void Forget(DateOnly day)
    {
        _createdTables.TryRemove(day, out _);
        _createdContainers.TryRemove(day, out _);
    }

    /// <summary>The head row in a bucket, or null (no such row, or no such table).</summary>
    public async Task<HeadRow?> GetHeadRowAsync(TableClient table, string stream, DateOnly bucket, CancellationToken cancellationToken)
    {
        try
        {
            var row = await table.GetEntityIfExistsAsync<TableEntity>(stream, EventLogLayout.HeadRowKey, cancellationToken: cancellationToken);
            return row.HasValue ? EventLogLayout.ReadHead(row.Value!, bucket) : null;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null; // the table is gone (dropped by retention) or not created yet
        }
    }

    /// <summary>
    /// Follows a stream's head from <paramref name="bucket"/> along sealed heads to the live one. Returns the live head,
    /// or, when the chain ends at a sealed head whose successor was never written (a crash during rollover), the
    /// sealed one (the writer completes the move).
    /// </summary>
    public async Task<HeadRow?> FindHeadAsync(string stream, DateOnly bucket, bool forWrite, CancellationToken cancellationToken)
    {
        HeadRow? last = null;
        for (var hops = 0; hops < 400; hops++)
        {
            var head = await GetHeadRowAsync(forWrite ? WriteTable(bucket) : ReadTable(bucket), stream, bucket, cancellationToken);
            if (head is null)
            {
                return last;
            }

            if (head.Next is not { } next)
            {
                return head;
            }

            last = head;
            bucket = next;
        }

        throw new InvalidOperationException($"The head chain of stream '{stream}' is longer than 400 buckets.");
    }

    /// <summary>Segments of a stream in one bucket with a last seq ≥ <paramref name="fromSeq"/>, in seq order.</summary>
    public async IAsyncEnumerable<SegmentRow> SegmentsFromAsync(string stream, DateOnly bucket, long fromSeq, int pageSize, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {stream} and RowKey ge {EventLogLayout.SeqKey(fromSeq)} and RowKey le {EventLogLayout.MaxSeqKey}");
        var pages = ReadTable(bucket).QueryAsync<TableEntity>(filter, maxPerPage: pageSize, cancellationToken: cancellationToken);
        IAsyncEnumerator<TableEntity>? rows = null;
        try
        {
            try
            {
                rows = pages.GetAsyncEnumerator(cancellationToken);
                if (!await rows.MoveNextAsync())
                {
                    yield break;
                }
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                yield break; // the bucket is gone
            }

            do
            {
                yield return EventLogLayout.ReadSegment(rows.Current);
            }
            while (await rows.MoveNextAsync());
        }
        finally
        {
            if (rows is not null)
            {
                await rows.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// The highest last seq of a stream's segments in one bucket from <paramref name="fromSeq"/> on (keys only), or 0
    /// when there is none (or no such bucket).
    /// </summary>
    public async Task<long> LastSegmentFromAsync(string stream, DateOnly bucket, long fromSeq, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {stream} and RowKey ge {EventLogLayout.SeqKey(fromSeq)} and RowKey le {EventLogLayout.MaxSeqKey}");
        long last = 0;
        try
        {
            await foreach (var row in WriteTable(bucket).QueryAsync<TableEntity>(filter, maxPerPage: 1000, select: ["RowKey"], cancellationToken: cancellationToken))
            {
                last = Math.Max(last, EventLogLayout.ParseSeqKey(row.RowKey));
            }
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return 0; // the bucket is gone
        }

        return last;
    }

    /// <summary>The data of an event kept in a blob (<c>container/name</c>, container without prefix).</summary>
    public async Task<JsonElement> LoadBlobAsync(string reference, CancellationToken cancellationToken)
    {
        var slash = reference.IndexOf('/', StringComparison.Ordinal);
        var content = await _storage.Container(reference[..slash]).GetBlobClient(reference[(slash + 1)..]).DownloadContentAsync(cancellationToken);
        return JsonElement.Parse(content.Value.Content.ToMemory().Span);
    }

    /// <summary>The head that continues <paramref name="sealedHead"/> in bucket <paramref name="day"/> (not stored yet).</summary>
    public HeadRow Successor(HeadRow sealedHead, DateOnly day)
    {
        var firstRetained = FirstRetainedDay.AddDays(-1); // keep the previous day too: its claims are checked
        List<BucketStart> buckets = [.. sealedHead.Buckets.Where(b => b.Day >= firstRetained && b.Day < day), new BucketStart(day, sealedHead.LastSeq + 1)];
        return sealedHead with { Bucket = day, Next = null, Buckets = buckets, ETag = null };
    }

    /// <summary>
    /// Rollover: seals <paramref name="head"/> (an ETag-conditioned write that sets <c>Next</c>, so a lagging writer's
    /// commit into the old bucket fails), then creates its successor in <paramref name="day"/>'s bucket. Throws
    /// <see cref="RequestFailedException"/> 412/409 when another writer moved the head first.
    /// </summary>
    public async Task<HeadRow> MoveHeadAsync(HeadRow head, DateOnly day, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(day, cancellationToken);
        if (head.Next is null)
        {
            await WriteTable(head.Bucket).UpdateEntityAsync(
                EventLogLayout.Head(head with { Next = day }, _timeProvider.GetUtcNow()), head.ETag ?? ETag.All, TableUpdateMode.Replace, cancellationToken);
        }

        var successor = Successor(head, head.Next ?? day);
        var response = await WriteTable(successor.Bucket).AddEntityAsync(EventLogLayout.Head(successor, _timeProvider.GetUtcNow()), cancellationToken);
        return successor with { ETag = response.Headers.ETag };
    }

    public ValueTask DisposeAsync() => Directory.DisposeAsync();

    /// <summary>Runs <paramref name="create"/> once per key and process; a failed or cancelled run is tried again next time.</summary>
    private static Task Once(ConcurrentDictionary<DateOnly, Task> created, DateOnly key, Func<DateOnly, Task> create, CancellationToken cancellationToken)
    {
        var task = created.GetOrAdd(key, create);
        if (task.IsFaulted || task.IsCanceled)
        {
            created.TryRemove(key, out _);
        }

        return task.WaitAsync(cancellationToken);
    }
}
