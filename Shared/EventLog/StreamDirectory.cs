using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;
using FunctionsDashboard.Relay;
using FunctionsDashboard.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.EventLog;

/// <summary>
/// The stream directory: table <c>evstreams</c>, partition <c>streams</c>, one row per stream mirroring its head
/// (bucket, generation, last seq, bucket chain). A stream's row is created (Add) before its first head, so every
/// instance agrees on the bucket a new stream starts in; afterwards writers refresh it after commits, coalesced to one
/// write per stream every <see cref="EventLogOptions.DirectoryInterval"/>, and only forwards (generation epoch, then
/// last seq), so <see cref="ListAsync"/> is one query that is fresh within about a second.
/// </summary>
internal sealed class StreamDirectory : IAsyncDisposable
{
    private readonly TableClient _table;
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _interval;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, HeadRow> _dirty = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private Task? _loop;
    private int _disposed;

    public StreamDirectory(DashboardStorage storage, IOptions<EventLogOptions> options, TimeProvider timeProvider, ILogger logger)
    {
        _table = storage.Table(EventLogLayout.DirectoryTable);
        _timeProvider = timeProvider;
        _interval = options.Value.DirectoryInterval;
        _logger = logger;
    }

    public async Task<DirectoryRow?> GetAsync(string stream, CancellationToken cancellationToken)
    {
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(EventLogLayout.DirectoryPartition, stream, cancellationToken: cancellationToken);
        return row.HasValue ? EventLogLayout.ReadDirectory(row.Value!) : null;
    }

    public async Task<IReadOnlyList<DirectoryRow>> ListAsync(CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {EventLogLayout.DirectoryPartition}");
        var rows = new List<DirectoryRow>();
        await foreach (var entity in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            rows.Add(EventLogLayout.ReadDirectory(entity));
        }

        return rows;
    }

    /// <summary>Lists a new stream with the head it starts with; the row already there wins (another instance was first).</summary>
    public async Task<DirectoryRow> CreateAsync(HeadRow head, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _table.AddEntityAsync(EventLogLayout.Directory(head, _timeProvider.GetUtcNow()), cancellationToken);
            return new DirectoryRow(head.Stream, head.Bucket, head.LastSeq, head.Generation, head.Epoch, head.Buckets, response.Headers.ETag ?? ETag.All);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return await GetAsync(head.Stream, cancellationToken) ?? throw new EventLogConflictException($"The directory row of stream {head.Stream} vanished while being created.");
        }
    }

    /// <summary>Schedules a refresh of the stream's row (coalesced).</summary>
    public void Publish(HeadRow head)
    {
        _dirty.AddOrUpdate(head.Stream, head, (_, old) => IsAhead(head, old) ? head : old);
        lock (_gate)
        {
            if (Volatile.Read(ref _disposed) == 0)
            {
                _loop ??= Task.Run(RunAsync);
            }
        }
    }

    /// <summary>Writes the row now if <paramref name="head"/> is ahead of it (rollover, new generation).</summary>
    public async Task WriteAsync(HeadRow head, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var current = await GetAsync(head.Stream, cancellationToken);
            if (current is not null && !IsAhead(head, current))
            {
                return;
            }

            try
            {
                var entity = EventLogLayout.Directory(head, _timeProvider.GetUtcNow());
                if (current is null)
                {
                    await _table.AddEntityAsync(entity, cancellationToken);
                }
                else
                {
                    await _table.UpdateEntityAsync(entity, current.ETag, TableUpdateMode.Replace, cancellationToken);
                }

                return;
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412)
            {
                // Someone else wrote it meanwhile: compare again.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stopping.CancelAsync();
        if (_loop is { } loop)
        {
            await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await FlushAsync(CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private static bool IsAhead(HeadRow head, HeadRow old) =>
        head.Epoch > old.Epoch || (head.Epoch == old.Epoch && (head.LastSeq > old.LastSeq || head.Bucket > old.Bucket));

    private static bool IsAhead(HeadRow head, DirectoryRow stored) =>
        head.Epoch > stored.Epoch || (head.Epoch == stored.Epoch && (head.LastSeq > stored.LastSeq || head.Bucket > stored.Bucket || head.Generation != stored.Generation && head.LastSeq >= stored.LastSeq));

    private async Task RunAsync()
    {
        try
        {
            while (!_stopping.IsCancellationRequested)
            {
                await Task.Delay(_interval, _timeProvider, _stopping.Token);
                await FlushAsync(_stopping.Token);
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Disposed: the last flush runs in DisposeAsync.
        }
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        foreach (var stream in _dirty.Keys)
        {
            if (!_dirty.TryRemove(stream, out var head))
            {
                continue;
            }

            try
            {
                await WriteAsync(head, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                EventLogLog.DirectoryWriteFailed(_logger, stream, e);
                _dirty.TryAdd(stream, head); // try again with the next round
            }
        }
    }
}
