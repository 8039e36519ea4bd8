using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;

namespace FunctionsDashboard.Relay;

/// <summary>A stream's head row as last read or written: the counter, the outbox and the ETag that guards both.</summary>
internal sealed record HeadRow(long LastSeq, IReadOnlyList<PendingRange> Pending, ETag? ETag)
{
    public static readonly HeadRow New = new(0, [], null);
}

/// <summary>
/// The layout of the event log table (see docs/relay.md). One partition per stream:
/// <list type="bullet">
/// <item><c>head</c>: <c>LastSeq</c> (the counter) and <c>Pending</c> (committed ranges not yet handed off);</item>
/// <item><c>0000000000000000042</c>: the event with seq 42 (19 digits, so rows sort by seq);</item>
/// <item><c>id:&lt;escaped id&gt;</c> (or <c>idh:&lt;sha-256&gt;</c> for long ids): <c>Seq</c> of that id, the idempotency index.</item>
/// </list>
/// Partition <see cref="StreamsPartition"/> lists the streams (one row each) so the outbox sweep need not scan the table.
/// </summary>
internal static class EventLogRows
{
    public const string HeadRowKey = "head";
    public const string StreamsPartition = "~streams";
    public const int ChunkBytes = 64 * 1024;
    public const int MaxInlineChunks = 4;
    public const int InlineDataMaxBytes = ChunkBytes * MaxInlineChunks;

    private const int MaxEscapedIdKeyLength = 500;

    public static readonly string MaxSeqKey = SeqKey(long.MaxValue);

    public static string SeqKey(long seq) => seq.ToString("D19", CultureInfo.InvariantCulture);

    /// <summary>
    /// The index row key of an event id: <c>id:</c> + the id's UTF-8 bytes with <c>A-Z a-z 0-9 - _ .</c> kept and every
    /// other byte written <c>~XX</c> (injective, and valid in RowKeys and blob names); ids whose escaped form is longer than
    /// 500 characters become <c>idh:</c> + the SHA-256 hex of the id.
    /// </summary>
    public static string IdKey(string id)
    {
        var bytes = Encoding.UTF8.GetBytes(id);
        var builder = new StringBuilder("id:", 3 + bytes.Length);
        foreach (var b in bytes)
        {
            if (b is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9' or (byte)'-' or (byte)'_' or (byte)'.')
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('~').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }

            if (builder.Length > MaxEscapedIdKeyLength)
            {
                return "idh:" + Convert.ToHexStringLower(SHA256.HashData(bytes));
            }
        }

        return builder.ToString();
    }

    /// <summary>Rough size of an event in a transaction body (inline data is Base64 on the wire).</summary>
    public static int Cost(IncomingEvent e, bool spilled) =>
        512 + (2 * (e.Id.Length + e.Type.Length + e.Source.Length + (e.Subject?.Length ?? 0))) + (spilled ? 0 : e.Data.Length * 4 / 3);

    public static TableEntity Head(string stream, long lastSeq, IEnumerable<PendingRange> pending, DateTimeOffset now) =>
        new(stream, HeadRowKey)
        {
            ["LastSeq"] = lastSeq,
            ["Pending"] = PendingRange.Format(pending),
            ["UpdatedAt"] = now,
        };

    public static HeadRow ReadHead(TableEntity entity) =>
        new(entity.GetInt64("LastSeq") ?? 0, PendingRange.Parse(entity.GetString("Pending")), entity.ETag);

    public static TableEntity StreamListing(string stream, DateTimeOffset now) =>
        new(StreamsPartition, stream) { ["CreatedAt"] = now };

    public static TableEntity IdIndex(string stream, string idKey, long seq) =>
        new(stream, idKey) { ["Seq"] = seq };

    public static TableEntity Event(string stream, long seq, IncomingEvent e, string? blobName, DateTimeOffset committedAt)
    {
        var entity = new TableEntity(stream, SeqKey(seq))
        {
            ["Id"] = e.Id,
            ["Type"] = e.Type,
            ["Source"] = e.Source,
            ["Subject"] = e.Subject,
            // Kept as text: a Table DateTime cannot hold times before 1601, and the event's own offset is preserved.
            ["Time"] = e.Time?.ToString("O", CultureInfo.InvariantCulture),
            ["Schema"] = e.Schema.ToString(),
            ["DataIsBase64"] = e.DataIsBase64,
            ["DataLength"] = e.Data.Length,
            ["CommittedAt"] = committedAt,
        };

        if (blobName is not null)
        {
            entity["DataBlob"] = blobName;
            return entity;
        }

        var chunks = (e.Data.Length + ChunkBytes - 1) / ChunkBytes;
        entity["DataChunks"] = chunks;
        for (var i = 0; i < chunks; i++)
        {
            var start = i * ChunkBytes;
            entity[$"Data{i}"] = e.Data.Slice(start, Math.Min(ChunkBytes, e.Data.Length - start)).ToArray();
        }

        return entity;
    }

    /// <summary>The blob that holds the data of a large event: <c>{stream}/{id key}</c>.</summary>
    public static string BlobName(string stream, string idKey) => $"{stream}/{idKey}";

    public static string? DataBlob(TableEntity entity) => entity.GetString("DataBlob");

    public static byte[] InlineData(TableEntity entity)
    {
        var length = entity.GetInt32("DataLength") ?? 0;
        var chunks = entity.GetInt32("DataChunks") ?? 0;
        var data = new byte[length];
        var offset = 0;
        for (var i = 0; i < chunks; i++)
        {
            var chunk = entity.GetBinary($"Data{i}");
            chunk.CopyTo(data, offset);
            offset += chunk.Length;
        }

        return data;
    }

    public static StoredEvent ToStoredEvent(TableEntity entity, ReadOnlySpan<byte> data)
    {
        var time = entity.GetString("Time");
        return new StoredEvent(
            entity.GetString("Id"),
            long.Parse(entity.RowKey, NumberStyles.None, CultureInfo.InvariantCulture),
            entity.PartitionKey,
            entity.GetString("Type"),
            entity.GetString("Source") ?? "",
            entity.GetString("Subject"),
            time is null ? null : DateTimeOffset.Parse(time, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
            data.IsEmpty ? default : JsonElement.Parse(data),
            entity.GetBoolean("DataIsBase64") ?? false,
            entity.GetDateTimeOffset("CommittedAt") ?? default);
    }
}
