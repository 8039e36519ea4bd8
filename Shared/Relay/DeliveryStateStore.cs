using Azure;
using Azure.Data.Tables;
using FunctionsDashboard.Storage;

namespace FunctionsDashboard.Relay;

/// <summary>
/// Delivery state in table <see cref="RelayStorageNames.DeliveryStateTable"/>: ONE row per stream (partition = stream,
/// row key <see cref="RowKey"/>) holding the delivered watermark, so the state costs O(streams) rows, needs no expiry,
/// and is written at most about once a second per stream (<see cref="RelayDeliveryStream"/>), not once per event.
/// The watermark only ever names seqs that were settled (delivered, or dead-lettered with an entry written first), so a
/// stale one (an instance crashed before writing, or a slower instance wrote an older one) makes the safety net send
/// some events again (duplicates, dropped by id), never skip one. The same row carries the stream's delivery lease
/// (<c>Owner</c>, <c>LeaseUntil</c>): the one instance that may send the stream, written only ETag-conditionally
/// (<see cref="TryWriteLeaseAsync"/>). Rows of the former per-event layout (row key = seq) in the same table are ignored.
/// </summary>
internal sealed class DeliveryStateStore(DashboardStorage storage, TimeProvider timeProvider)
{
    /// <summary>The row key of a stream's watermark row (sorts after the 19-digit seq keys of the former layout).</summary>
    public const string RowKey = "watermark";

    private readonly TableClient _table = storage.Table(RelayStorageNames.DeliveryStateTable);

    /// <summary>The stream's watermark, or null when none was written yet.</summary>
    public async Task<DeliveryWatermark?> GetAsync(string stream, CancellationToken cancellationToken)
    {
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(stream, RowKey, select: ["Through", "Generation"], cancellationToken: cancellationToken);
        return row.HasValue && row.Value!.GetInt64("Through") is { } through
            ? new DeliveryWatermark(through, row.Value.GetString("Generation") ?? "")
            : null;
    }

    /// <summary>The stream's row with its delivery lease and ETag, or null when none was written yet.</summary>
    public async Task<DeliveryLeaseRow?> ReadLeaseAsync(string stream, CancellationToken cancellationToken)
    {
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(stream, RowKey, select: ["Through", "Generation", "Owner", "LeaseUntil"], cancellationToken: cancellationToken);
        if (!row.HasValue)
        {
            return null;
        }

        var entity = row.Value!;
        return new DeliveryLeaseRow(
            entity.GetInt64("Through") ?? 0,
            entity.GetString("Generation") ?? "",
            entity.GetString("Owner") ?? "",
            entity.GetDateTimeOffset("LeaseUntil") ?? DateTimeOffset.MinValue,
            entity.ETag);
    }

    /// <summary>
    /// Writes the stream's row (watermark and lease) only if it is unchanged since <paramref name="etag"/> (null: only if
    /// there is no row yet). Returns the new ETag, or null when another instance wrote the row meanwhile.
    /// </summary>
    public async Task<ETag?> TryWriteLeaseAsync(string stream, long through, string generation, string owner, DateTimeOffset leaseUntil, ETag? etag, CancellationToken cancellationToken)
    {
        var entity = new TableEntity(stream, RowKey)
        {
            ["Through"] = through,
            ["Generation"] = generation,
            ["Owner"] = owner,
            ["LeaseUntil"] = leaseUntil,
            ["At"] = timeProvider.GetUtcNow(),
        };
        try
        {
            var response = etag is { } match
                ? await _table.UpdateEntityAsync(entity, match, TableUpdateMode.Replace, cancellationToken)
                : await _table.AddEntityAsync(entity, cancellationToken);
            return response.Headers.ETag;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return null;
        }
    }

    /// <summary>Records the stream's watermark (last writer wins: see the class remarks for why that is safe).</summary>
    public async Task SaveAsync(string stream, DeliveryWatermark watermark, CancellationToken cancellationToken) =>
        await _table.UpsertEntityAsync(
            new TableEntity(stream, RowKey)
            {
                ["Through"] = watermark.Through,
                ["Generation"] = watermark.Generation,
                ["At"] = timeProvider.GetUtcNow(),
            },
            TableUpdateMode.Replace,
            cancellationToken);

    /// <summary>Removes a stream's watermark (tests and tools: the stream's retained events are then sent again).</summary>
    public async Task RemoveAsync(string stream, CancellationToken cancellationToken)
    {
        try
        {
            await _table.DeleteEntityAsync(stream, RowKey, ETag.All, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // Not there: done.
        }
    }
}
