using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using FunctionsDashboard.Storage;

namespace FunctionsDashboard.Relay;

/// <summary>
/// The dead-letter store: table <see cref="RelayStorageNames.DeadLetterTable"/>, partition = stream, row key = seq (one
/// row per event, so recording the same event twice keeps one entry). Unreadable delivery messages are kept in partition
/// <see cref="InvalidPartition"/> under the SHA-256 of their text.
/// </summary>
internal sealed class DeadLetterStore(DashboardStorage storage)
{
    /// <summary>The partition of unreadable delivery messages (not a valid stream name, so it never collides).</summary>
    public const string InvalidPartition = "~invalid";

    /// <summary>Longest message text kept for an unreadable message.</summary>
    private const int MaxMessageChars = 16 * 1024;

    private readonly TableClient _table = storage.Table(RelayStorageNames.DeadLetterTable);

    /// <summary>Records (or overwrites) the entry of one event, or of one unreadable message.</summary>
    public Task AddAsync(DeadLetterEntry entry, CancellationToken cancellationToken)
    {
        var entity = entry.Stream is { } stream && entry.Seq is { } seq
            ? new TableEntity(stream, EventLogRows.SeqKey(seq))
            : new TableEntity(InvalidPartition, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(entry.Message ?? ""))));
        entity["EventId"] = entry.Id;
        entity["Type"] = entry.Type;
        entity["Reason"] = entry.Reason;
        entity["Origin"] = entry.Origin;
        entity["Attempts"] = entry.Attempts;
        entity["StatusCode"] = entry.StatusCode;
        entity["DeadLetteredAt"] = entry.DeadLetteredAt;
        if (entry.Message is { } message)
        {
            entity["Message"] = message.Length > MaxMessageChars ? message[..MaxMessageChars] : message;
        }

        return _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
    }

    /// <summary>Removes the entry of one event (already gone is fine).</summary>
    public async Task RemoveAsync(string stream, long seq, CancellationToken cancellationToken)
    {
        try
        {
            await _table.DeleteEntityAsync(stream, EventLogRows.SeqKey(seq), ETag.All, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // Already removed.
        }
    }

    /// <summary>
    /// Removes the entry of one event only if it is still the version that was listed (<paramref name="seen"/>): an entry
    /// written again meanwhile (the event failed again) stays. Already gone is fine.
    /// </summary>
    public async Task RemoveIfUnchangedAsync(string stream, long seq, ETag seen, CancellationToken cancellationToken)
    {
        try
        {
            await _table.DeleteEntityAsync(stream, EventLogRows.SeqKey(seq), seen, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            // Gone, or written again since it was listed (then it stays for the next re-drive).
        }
    }

    /// <summary>The entries, in stream and seq order (unreadable messages last), optionally of one stream only.</summary>
    public async IAsyncEnumerable<DeadLetterEntry> ListAsync(string? stream, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var (entry, _) in ListVersionedAsync(stream, cancellationToken))
        {
            yield return entry;
        }
    }

    /// <summary>As <see cref="ListAsync"/>, with each entry's ETag.</summary>
    public async IAsyncEnumerable<(DeadLetterEntry Entry, ETag ETag)> ListVersionedAsync(string? stream, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var filter = stream is null ? null : TableClient.CreateQueryFilter($"PartitionKey eq {stream}");
        await foreach (var entity in _table.QueryAsync<TableEntity>(filter, maxPerPage: 1000, cancellationToken: cancellationToken))
        {
            yield return (Read(entity), entity.ETag);
        }
    }

    private static DeadLetterEntry Read(TableEntity entity)
    {
        var invalid = entity.PartitionKey == InvalidPartition;
        return new DeadLetterEntry(
            invalid ? null : entity.PartitionKey,
            invalid ? null : long.Parse(entity.RowKey, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture),
            entity.GetString("EventId"),
            entity.GetString("Type"),
            entity.GetString("Reason") ?? "",
            entity.GetString("Origin") ?? "",
            entity.GetInt32("Attempts") ?? 0,
            entity.GetInt32("StatusCode"),
            entity.GetDateTimeOffset("DeadLetteredAt") ?? default,
            entity.GetString("Message"));
    }
}
