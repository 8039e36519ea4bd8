using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;
using FunctionsDashboard.Hardening;
using FunctionsDashboard.Options;
using FunctionsDashboard.Storage;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Registry;

namespace FunctionsDashboard.Connections;

/// <summary>
/// The registry's table and the row moves that keep exactly one row per connection, shared by the
/// <see cref="ConnectionRegistry"/> and the <see cref="StaleConnectionScanner"/>: finding a connection's row wherever it
/// is, inserting it, moving it to a new epoch, resolving the duplicate a race across an epoch edge leaves, and this
/// instance's memory of where it left each connection (so a heartbeat is one request). Every call of the registry and
/// the scanner runs through the <see cref="ConnectionRegistry.PipelineName"/> Polly pipeline (3 attempts, jittered
/// exponential backoff, per-try timeout = <see cref="DashboardOptions.ConnectionTimeout"/>); the SDK's own retries are off.
/// </summary>
public sealed partial class ConnectionTable
{
    private const int MaxCachedConnections = 200_000;

    /// <summary>Inserts this close to an epoch's edge check the neighbouring epoch for a racing insert.</summary>
    private static readonly TimeSpan MaxBoundaryGuard = TimeSpan.FromSeconds(5);

    private readonly ResiliencePipeline _pipeline;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly long _boundaryGuardTicks;
    private readonly ConcurrentDictionary<string, KnownConnection> _known = new(StringComparer.Ordinal);

    /// <summary>Creates the table access (logging under the registry's category, as before the split).</summary>
    public ConnectionTable(DashboardStorage storage, ConnectionKeys keys, ResiliencePipelineProvider<string> pipelines, TimeProvider timeProvider, ILogger<ConnectionRegistry> logger)
    {
        Client = storage.SingleTryTable(ConnectionRegistryOptions.TableName);
        Keys = keys;
        _pipeline = pipelines.GetPipeline(ConnectionRegistry.PipelineName);
        _time = timeProvider;
        _logger = logger;
        _boundaryGuardTicks = Math.Min(MaxBoundaryGuard.Ticks, keys.EpochTicks / 4);
    }

    /// <summary>The table (single try: retries are the pipeline's).</summary>
    internal TableClient Client { get; }

    /// <summary>The row layout.</summary>
    internal ConnectionKeys Keys { get; }

    /// <summary>Runs <paramref name="action"/> through the registry's pipeline.</summary>
    internal async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken) =>
        await _pipeline.ExecuteAsync(async ct => await action(ct), cancellationToken);

    /// <summary>Runs <paramref name="action"/> through the registry's pipeline.</summary>
    internal async Task RunAsync(Func<CancellationToken, Task> action, CancellationToken cancellationToken) =>
        await _pipeline.ExecuteAsync(async ct => await action(ct), cancellationToken);

    /// <summary>Where this instance last left <paramref name="connectionId"/>'s row, if it remembers.</summary>
    internal bool TryGetKnown(string connectionId, out KnownConnection known) => _known.TryGetValue(connectionId, out known);

    /// <summary>
    /// Finds a connection's row wherever it is: where this instance last saw it, then the next, current and previous
    /// epoch (where every connection that heartbeats is, and every recent tombstone), then the older rows of its
    /// partition (a connection silent for a while: few rows, the same range the sweep reads).
    /// </summary>
    internal async Task<ConnectionRow?> LocateAsync(string connectionId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (_known.TryGetValue(connectionId, out var known) && await ReadAsync(Keys.Partition(connectionId), ConnectionKeys.RowKey(known.EpochStart, connectionId), cancellationToken) is { } row)
        {
            return row;
        }

        return await ProbeAsync(connectionId, now, cancellationToken) ?? await SearchOlderAsync(connectionId, now, cancellationToken);
    }

    /// <summary>
    /// Point reads, at once, of the next, the current and the previous epoch's key: a connection that heartbeats is under
    /// the current or the previous one, a tombstone under the current or the next one.
    /// </summary>
    internal async Task<ConnectionRow?> ProbeAsync(string connectionId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var partition = Keys.Partition(connectionId);
        var current = Keys.EpochStart(now);
        var rows = await Task.WhenAll(
            ReadAsync(partition, ConnectionKeys.RowKey(current + Keys.EpochTicks, connectionId), cancellationToken),
            ReadAsync(partition, ConnectionKeys.RowKey(current, connectionId), cancellationToken),
            ReadAsync(partition, ConnectionKeys.RowKey(current - Keys.EpochTicks, connectionId), cancellationToken));
        ConnectionRow? found = null;
        foreach (var row in rows.OfType<ConnectionRow>())
        {
            found = found is null ? row : await ResolveDuplicateAsync(found, row, cancellationToken);
        }

        return found;
    }

    /// <summary>One row by its key; null when it is not there.</summary>
    internal async Task<ConnectionRow?> ReadAsync(string partition, string rowKey, CancellationToken cancellationToken)
    {
        var response = await Client.GetEntityIfExistsAsync<ConnectionRow>(partition, rowKey, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    /// <summary>
    /// Adds a connection's row under the epoch of <paramref name="now"/>. Insert only: a row already there (a racing
    /// registration) fails with 409, which the pipeline retries at once, finding the row. Close to the epoch's edge, the
    /// neighbouring epoch is read for a row a racing insert on another instance put there (see
    /// <see cref="ResolveDuplicateAsync"/>).
    /// </summary>
    internal async Task InsertAsync(string hub, string connectionId, string? userId, DateTimeOffset now, string state, CancellationToken cancellationToken, string? group = null)
    {
        var partition = Keys.Partition(connectionId);
        var epoch = Keys.EpochStart(now);
        var row = ConnectionRow.Create(partition, epoch, connectionId, hub, userId, now, now, state, group);
        await Client.AddEntityAsync(row, cancellationToken);
        if (state == ConnectionRow.Live)
        {
            Remember(connectionId, new KnownConnection(epoch, hub, userId, now, group));
        }

        var intoEpoch = now.UtcTicks - epoch;
        long? neighbour = intoEpoch < _boundaryGuardTicks ? epoch - Keys.EpochTicks
            : Keys.EpochTicks - intoEpoch <= _boundaryGuardTicks ? epoch + Keys.EpochTicks
            : null;
        if (neighbour is { } other && await ReadAsync(partition, ConnectionKeys.RowKey(other, connectionId), cancellationToken) is { } racing)
        {
            row.ETag = ETag.All;
            await ResolveDuplicateAsync(row, racing, cancellationToken);
        }
    }

    /// <summary>
    /// A heartbeat of a connection this instance registered or touched, in one request and without reading the row: a
    /// merge of last-seen while its epoch lasts, else one atomic batch that deletes the row where this instance left it
    /// and adds it under the new epoch. False when the row is not where this instance left it (swept, removed, or moved
    /// by another instance): the caller then finds it.
    /// </summary>
    internal async Task<bool> TryTouchKnownAsync(string connectionId, KnownConnection known, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var partition = Keys.Partition(connectionId);
        var epoch = Keys.EpochStart(now);
        var key = ConnectionKeys.RowKey(known.EpochStart, connectionId);
        try
        {
            if (epoch <= known.EpochStart)
            {
                await Client.UpdateEntityAsync(ConnectionRow.LastSeenUpdate(partition, key, now), ETag.All, TableUpdateMode.Merge, cancellationToken);
                return true;
            }

            await Client.SubmitTransactionAsync(
                [
                    new(TableTransactionActionType.Delete, new TableEntity(partition, key), ETag.All),
                    new(TableTransactionActionType.Add, ConnectionRow.Create(partition, epoch, connectionId, known.Hub, known.UserId, known.ConnectedAt, now, ConnectionRow.Live, known.Group)),
                ],
                cancellationToken);
            Remember(connectionId, known with { EpochStart = epoch });
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 404 or 409)
        {
            return false;
        }
    }

    /// <summary>Updates last-seen of a row just read (conditional on its ETag), moving it to the current epoch when due.</summary>
    internal async Task TouchAsync(ConnectionRow row, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var rowEpoch = ConnectionKeys.EpochOf(row.RowKey);
        if (Keys.EpochStart(now) > rowEpoch)
        {
            await MoveAsync(row, now, cancellationToken);
            return;
        }

        var seen = row.LastSeen is { } s && s > now ? s : now;
        await Client.UpdateEntityAsync(ConnectionRow.LastSeenUpdate(row.PartitionKey, row.RowKey, seen), row.ETag, TableUpdateMode.Merge, cancellationToken);
        Remember(row.ConnectionId, Known(row, rowEpoch));
    }

    /// <summary>
    /// The row (with its state as the caller set it) last seen at <paramref name="now"/>, under the current epoch (never
    /// before the row's own; <paramref name="awayFromRowKey"/>: always after it): one atomic batch deleting it where it
    /// was (conditional on the ETag read) and adding it there, or a replace in place when it is already there. Returns the
    /// row as written.
    /// </summary>
    internal async Task<ConnectionRow> MoveAsync(ConnectionRow row, DateTimeOffset now, CancellationToken cancellationToken, bool awayFromRowKey = false)
    {
        var epoch = Math.Max(Keys.EpochStart(now), ConnectionKeys.EpochOf(row.RowKey) + (awayFromRowKey ? Keys.EpochTicks : 0));
        var seen = row.LastSeen is { } s && s > now ? s : now;
        var moved = ConnectionRow.Create(row.PartitionKey, epoch, row.ConnectionId, row.Hub, row.UserId, row.ConnectedAt ?? seen, seen, row.State ?? ConnectionRow.Live, row.Group);
        if (moved.RowKey == row.RowKey)
        {
            await Client.UpdateEntityAsync(moved, row.ETag, TableUpdateMode.Replace, cancellationToken);
        }
        else
        {
            await Client.SubmitTransactionAsync(
                [
                    new(TableTransactionActionType.Delete, row, row.ETag),
                    new(TableTransactionActionType.Add, moved),
                ],
                cancellationToken);
        }

        if (moved.IsLive)
        {
            Remember(row.ConnectionId, Known(moved, epoch));
        }

        return moved;
    }

    /// <summary>
    /// Two rows of one connection (inserts that raced across an epoch edge, on instances a little apart in time): the
    /// row under the later epoch stays, gone if either was gone; the other is deleted. Both racers decide alike.
    /// </summary>
    internal async Task<ConnectionRow> ResolveDuplicateAsync(ConnectionRow a, ConnectionRow b, CancellationToken cancellationToken)
    {
        var (newer, older) = string.CompareOrdinal(a.RowKey, b.RowKey) > 0 ? (a, b) : (b, a);
        var connectionId = newer.ConnectionId;
        Log.DuplicateResolved(_logger, LogValue.Bounded(connectionId));
        if (older.State == ConnectionRow.Gone && newer.IsLive)
        {
            // Gone, and off the live row's key (as RemoveAsync does), so no instance that remembers it moves it back.
            newer.State = ConnectionRow.Gone;
            Forget(connectionId);
            if (newer.ETag == default)
            {
                newer.ETag = ETag.All;
            }

            newer = await MoveAsync(newer, _time.GetUtcNow(), cancellationToken, awayFromRowKey: true);
        }
        else if (newer.IsLive)
        {
            Remember(connectionId, Known(newer, ConnectionKeys.EpochOf(newer.RowKey)));
        }

        await Client.DeleteEntityAsync(older.PartitionKey, older.RowKey, ETag.All, cancellationToken); // a row already gone is fine (404, no throw)
        return newer;
    }

    /// <summary>Forgets where this instance left a connection (removed, swept, or found elsewhere).</summary>
    internal void Forget(string connectionId) => _known.TryRemove(connectionId, out _);

    /// <summary>The partition's rows of epochs before the previous one, filtered on the connection id.</summary>
    private async Task<ConnectionRow?> SearchOlderAsync(string connectionId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var partition = Keys.Partition(connectionId);
        var upper = ConnectionKeys.EpochBound(Keys.EpochStart(now) - Keys.EpochTicks);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {ConnectionKeys.KeyPrefix} and RowKey lt {upper} and ConnectionId eq {connectionId}");
        ConnectionRow? found = null;
        await foreach (var row in Client.QueryAsync<ConnectionRow>(filter, maxPerPage: 1000, cancellationToken: cancellationToken))
        {
            found = found is null ? row : await ResolveDuplicateAsync(row, found, cancellationToken);
        }

        return found;
    }

    private void Remember(string connectionId, KnownConnection known)
    {
        if (_known.Count >= MaxCachedConnections)
        {
            _known.Clear();
        }

        _known[connectionId] = known;
    }

    private static KnownConnection Known(ConnectionRow row, long epochStart) => new(epochStart, row.Hub, row.UserId, row.ConnectedAt ?? default, row.Group);

    /// <summary>Where this instance last left a connection's row, and what it needs to move it without reading it.</summary>
    internal readonly record struct KnownConnection(long EpochStart, string Hub, string? UserId, DateTimeOffset ConnectedAt, string? Group = null);

    private static partial class Log
    {
        [LoggerMessage(EventId = 4005, EventName = "DuplicateResolved", Level = LogLevel.Information, Message = "Connection {ConnectionId} had two rows (registrations that raced across an epoch edge); the older one is deleted")]
        public static partial void DuplicateResolved(ILogger logger, string connectionId);
    }
}
