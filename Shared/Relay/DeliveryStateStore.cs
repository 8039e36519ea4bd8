using Azure;
using Azure.Data.Tables;
using FunctionsDashboard.Storage;

namespace FunctionsDashboard.Relay;

/// <summary>The delivery state of one event.</summary>
internal enum DeliveryState
{
    /// <summary>Pushed to the SignalR Service: a redelivered message skips it.</summary>
    Delivered,

    /// <summary>In the dead-letter store: a redelivered message skips it (re-drive brings it back).</summary>
    DeadLettered,

    /// <summary>Taken out of the dead-letter store by a re-drive: delivered again like a new event.</summary>
    Redriven,
}

/// <summary>A state row as read, with the ETag that guards a change.</summary>
internal sealed record DeliveryStateRow(long Seq, DeliveryState State, ETag ETag);

/// <summary>
/// Per-event delivery state in table <see cref="RelayStorageNames.DeliveryStateTable"/>: partition = stream, row key = the
/// seq (19 digits, as in the event log). No row: not delivered yet. Rows are only added or changed under their ETag, so
/// two tries racing on one event (a range handed off twice) agree on who delivered or dead-lettered it first.
/// </summary>
internal sealed class DeliveryStateStore(DashboardStorage storage, TimeProvider timeProvider)
{
    private readonly TableClient _table = storage.Table(RelayStorageNames.DeliveryStateTable);

    /// <summary>The state rows of <paramref name="first"/>..<paramref name="last"/> in <paramref name="stream"/>, by seq.</summary>
    public async Task<Dictionary<long, DeliveryStateRow>> GetRangeAsync(string stream, long first, long last, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {stream} and RowKey ge {EventLogRows.SeqKey(first)} and RowKey le {EventLogRows.SeqKey(last)}");
        var rows = new Dictionary<long, DeliveryStateRow>();
        await foreach (var entity in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            var row = Read(entity);
            rows[row.Seq] = row;
        }

        return rows;
    }

    /// <summary>The state row of one event, or null.</summary>
    public async Task<DeliveryStateRow?> GetAsync(string stream, long seq, CancellationToken cancellationToken)
    {
        var entity = await _table.GetEntityIfExistsAsync<TableEntity>(stream, EventLogRows.SeqKey(seq), cancellationToken: cancellationToken);
        return entity.HasValue ? Read(entity.Value!) : null;
    }

    /// <summary>
    /// Sets the state of an event whose row was <paramref name="seen"/> (null: no row). False when another try changed it
    /// first (the row appeared, or its ETag moved): that try's state stands. Each call writes a fresh writer token, so a
    /// write the storage client retried after it had in fact succeeded (409/412 on the retry) still counts as this call's.
    /// </summary>
    public async Task<bool> TrySetAsync(string stream, long seq, DeliveryState state, int attempts, DeliveryStateRow? seen, CancellationToken cancellationToken)
    {
        var writer = Guid.NewGuid().ToString("N");
        var entity = new TableEntity(stream, EventLogRows.SeqKey(seq))
        {
            ["State"] = state.ToString(),
            ["Attempts"] = attempts,
            ["At"] = timeProvider.GetUtcNow(),
            ["Writer"] = writer,
        };
        try
        {
            if (seen is null)
            {
                await _table.AddEntityAsync(entity, cancellationToken);
            }
            else
            {
                await _table.UpdateEntityAsync(entity, seen.ETag, TableUpdateMode.Replace, cancellationToken);
            }

            return true;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            var now = await _table.GetEntityIfExistsAsync<TableEntity>(stream, EventLogRows.SeqKey(seq), select: ["Writer"], cancellationToken: cancellationToken);
            return now.HasValue && now.Value!.GetString("Writer") == writer;
        }
    }

    /// <summary>Marks an event re-driven whatever its state was (the re-drive is an operator's decision).</summary>
    public Task MarkRedrivenAsync(string stream, long seq, CancellationToken cancellationToken) =>
        _table.UpsertEntityAsync(
            new TableEntity(stream, EventLogRows.SeqKey(seq)) { ["State"] = nameof(DeliveryState.Redriven), ["Attempts"] = 0, ["At"] = timeProvider.GetUtcNow() },
            TableUpdateMode.Replace,
            cancellationToken);

    private static DeliveryStateRow Read(TableEntity entity) =>
        new(
            long.Parse(entity.RowKey, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture),
            Enum.TryParse<DeliveryState>(entity.GetString("State"), out var state) ? state : DeliveryState.Redriven,
            entity.ETag);
}
