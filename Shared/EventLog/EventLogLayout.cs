using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure.Data.Tables;

namespace FunctionsDashboard.EventLog;

/// <summary>
/// Names and keys of the event log v2 (see docs/event-log.md). Events live in day buckets: table
/// <c>evlog{yyyyMMdd}</c> (and blob container <c>evpay{yyyyMMdd}</c> for large data), dropped whole when older than
/// <see cref="EventLogOptions.Retention"/>. In a bucket table:
/// <list type="bullet">
/// <item>partition <c>{stream}</c>: the <c>head</c> row (counter, generation, outbox, bucket chain), one <b>segment</b>
/// row per commit (RowKey = its last seq, 19 digits, so "the segment holding seq s" is the first row with RowKey ≥ s)
/// and one <c>t:{token}</c> <b>marker</b> per commit (proof that the claims with that token were committed);</item>
/// </list>
/// The id index lives in tables of its own, one per 7-day window (<c>evidx{first day}</c>, see <see cref="IndexWindow"/>),
/// dropped whole once every day of the window has expired: partitions <c>{stream}~ix{0..3}</c>, one <b>claim</b> row per
/// event id (RowKey = escaped id), spread over <see cref="IndexPartitions"/> partitions so that no partition takes more
/// than a quarter of a stream's rate.
/// The permanent table <c>evstreams</c> is the stream directory: one row per stream in partition <c>streams</c>.
/// </summary>
internal static class EventLogLayout
{
    public const string BucketTablePrefix = "evlog";
    public const string IndexTablePrefix = "evidx";
    public const string PayloadContainerPrefix = "evpay";
    public const string DirectoryTable = "evstreams";
    public const string DirectoryPartition = "streams";
    public const string HeadRowKey = "head";
    public const string MarkerPrefix = "t:";

    /// <summary>Partitions of the id index per stream and bucket (fixed: stored claims depend on it).</summary>
    public const int IndexPartitions = 4;

    /// <summary>
    /// Days per id-index window (fixed: stored claims depend on it). Window <c>w</c> holds the claims of the commits whose
    /// head is in a bucket of days <c>[7w, 7w + 7)</c> (counted from <see cref="DateOnly.DayNumber"/> 0), and on a window's
    /// first day a copy of each claim goes to the previous window as well.
    /// </summary>
    public const int IndexWindowDays = 7;

    /// <summary>One binary property holds at most 64 KiB.</summary>
    public const int ChunkBytes = 64 * 1024;

    /// <summary>Segment data chunks: 15 × 64 KiB = 960 KiB, under the 1 MiB entity limit with the other properties.</summary>
    public const int MaxSegmentChunks = 15;

    public const int MaxSegmentBytes = ChunkBytes * MaxSegmentChunks;

    /// <summary>Data larger than this goes to a blob (the segment holds its name).</summary>
    public const int InlineDataMaxBytes = 256 * 1024;

    /// <summary>Claim rows per entity-group transaction (the service's limit is 100 operations).</summary>
    public const int MaxClaimsPerTransaction = 100;

    private const int MaxEscapedIdKeyLength = 500;

    public static readonly string MaxSeqKey = SeqKey(long.MaxValue);

    public static string SeqKey(long seq) => seq.ToString("D19", CultureInfo.InvariantCulture);

    public static long ParseSeqKey(string rowKey) => long.Parse(rowKey, NumberStyles.None, CultureInfo.InvariantCulture);

    public static string DayText(DateOnly day) => day.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    public static DateOnly ParseDay(string text) => DateOnly.ParseExact(text, "yyyyMMdd", CultureInfo.InvariantCulture);

    public static DateOnly DayOf(DateTimeOffset time) => DateOnly.FromDateTime(time.UtcDateTime);

    public static string BucketTable(DateOnly day) => BucketTablePrefix + DayText(day);

    public static string PayloadContainer(DateOnly day) => PayloadContainerPrefix + DayText(day);

    /// <summary>The first day of the id-index window that holds the claims of a commit into bucket <paramref name="day"/>.</summary>
    public static DateOnly IndexWindow(DateOnly day) => DateOnly.FromDayNumber(day.DayNumber - (day.DayNumber % IndexWindowDays));

    /// <summary>The last day of the id-index window starting on <paramref name="window"/>.</summary>
    public static DateOnly IndexWindowEnd(DateOnly window) => window.AddDays(IndexWindowDays - 1);

    /// <summary>The table of the id-index window starting on <paramref name="window"/> (see <see cref="IndexWindow"/>).</summary>
    public static string IndexTable(DateOnly window) => IndexTablePrefix + DayText(window);

    public static string MarkerKey(string token) => MarkerPrefix + token;

    public static string IndexPartition(string stream, string idKey) =>
        string.Create(CultureInfo.InvariantCulture, $"{stream}~ix{IndexShard(idKey)}");

    /// <summary>FNV-1a of the id key: stable across processes and versions (stored claims depend on it).</summary>
    public static int IndexShard(string idKey)
    {
        var hash = 2166136261u;
        foreach (var c in idKey)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash % IndexPartitions);
    }

    /// <summary>
    /// The index key of an event id: <c>id:</c> + the id's UTF-8 bytes with <c>A-Z a-z 0-9 - _ .</c> kept and every other
    /// byte written <c>~XX</c> (injective, and valid in RowKeys and blob names); ids whose escaped form is longer than
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

    /// <summary>A fresh commit token (22 URL-safe characters).</summary>
    public static string NewToken() => Base64Url(RandomNumberGenerator.GetBytes(16));

    /// <summary>A generation name: <c>g{epoch}-{6 random characters}</c>, short and URL-safe.</summary>
    public static string NewGeneration(int epoch) =>
        string.Create(CultureInfo.InvariantCulture, $"g{epoch}-{Base64Url(RandomNumberGenerator.GetBytes(6))[..6].ToLowerInvariant()}");

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    // ---- claim rows (id index) ----

    public static TableEntity Claim(string stream, string idKey, string token, DateOnly bucket, DateTimeOffset now) =>
        new(IndexPartition(stream, idKey), idKey)
        {
            ["Token"] = token,
            ["Bucket"] = DayText(bucket),
            ["At"] = now.ToUnixTimeMilliseconds(),
        };

    public static ClaimRow ReadClaim(TableEntity entity) =>
        new(entity.GetString("Token") ?? "", ParseDay(entity.GetString("Bucket") ?? "19700101"),
            DateTimeOffset.FromUnixTimeMilliseconds(entity.GetInt64("At") ?? 0), entity.ETag);

    // ---- marker rows ----

    public static TableEntity Marker(string stream, string token, long first, long last) =>
        new(stream, MarkerKey(token)) { ["First"] = first, ["Last"] = last };

    // ---- head rows ----

    public static TableEntity Head(HeadRow head, DateTimeOffset now) =>
        new(head.Stream, HeadRowKey)
        {
            ["LastSeq"] = head.LastSeq,
            ["Generation"] = head.Generation,
            ["Epoch"] = head.Epoch,
            ["Pending"] = PendingRange.Format(head.Pending),
            ["Buckets"] = BucketStart.Format(head.Buckets),
            ["Next"] = head.Next is { } next ? DayText(next) : null,
            ["UpdatedAt"] = now,
        };

    public static HeadRow ReadHead(TableEntity entity, DateOnly bucket) =>
        new(entity.PartitionKey,
            bucket,
            entity.GetInt64("LastSeq") ?? 0,
            entity.GetString("Generation") ?? "",
            entity.GetInt32("Epoch") ?? 1,
            PendingRange.Parse(entity.GetString("Pending")),
            BucketStart.Parse(entity.GetString("Buckets")),
            entity.GetString("Next") is { Length: > 0 } next ? ParseDay(next) : null,
            entity.ETag);

    // ---- directory rows ----

    public static TableEntity Directory(HeadRow head, DateTimeOffset now) =>
        new(DirectoryPartition, head.Stream)
        {
            ["Bucket"] = DayText(head.Bucket),
            ["LastSeq"] = head.LastSeq,
            ["Generation"] = head.Generation,
            ["Epoch"] = head.Epoch,
            ["Buckets"] = BucketStart.Format(head.Buckets),
            ["UpdatedAt"] = now,
        };

    public static DirectoryRow ReadDirectory(TableEntity entity) =>
        new(entity.RowKey,
            ParseDay(entity.GetString("Bucket") ?? "19700101"),
            entity.GetInt64("LastSeq") ?? 0,
            entity.GetString("Generation") ?? "",
            entity.GetInt32("Epoch") ?? 1,
            BucketStart.Parse(entity.GetString("Buckets")),
            entity.ETag);

    // ---- segment rows ----

    public static TableEntity Segment(string stream, long first, long last, string token, ReadOnlySpan<byte> data, DateTimeOffset committedAt)
    {
        var entity = new TableEntity(stream, SeqKey(last))
        {
            ["First"] = first,
            ["Token"] = token,
            ["CommittedAt"] = committedAt,
            ["Length"] = data.Length,
        };
        var chunks = (data.Length + ChunkBytes - 1) / ChunkBytes;
        for (var i = 0; i < chunks; i++)
        {
            var start = i * ChunkBytes;
            entity[string.Create(CultureInfo.InvariantCulture, $"D{i}")] = data.Slice(start, Math.Min(ChunkBytes, data.Length - start)).ToArray();
        }

        return entity;
    }

    public static SegmentRow ReadSegment(TableEntity entity)
    {
        var length = entity.GetInt32("Length") ?? 0;
        var data = new byte[length];
        var offset = 0;
        for (var i = 0; offset < length; i++)
        {
            var chunk = entity.GetBinary(string.Create(CultureInfo.InvariantCulture, $"D{i}"));
            chunk.CopyTo(data, offset);
            offset += chunk.Length;
        }

        return new SegmentRow(entity.PartitionKey, entity.GetInt64("First") ?? 0, ParseSeqKey(entity.RowKey), entity.GetString("Token") ?? "",
            entity.GetDateTimeOffset("CommittedAt") ?? default, data);
    }
}
