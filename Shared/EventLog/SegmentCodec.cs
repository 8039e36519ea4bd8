using System.Buffers;
using System.Globalization;
using System.Text.Json;
using FunctionsDashboard.Relay;

namespace FunctionsDashboard.EventLog;

/// <summary>
/// The bytes of a segment: a JSON array with one object per event, in seq order:
/// <c>{"i":id,"t":type,"s":source,"j":subject,"m":time,"c":1 (CloudEvents),"b":1 (Base64 data),"p":traceparent,"q":tracestate,"d":data}</c> or, for
/// data kept in a blob, <c>"x":"container/blob"</c> instead of <c>"d"</c>. Data is the event's raw JSON, unescaped.
/// </summary>
internal static class SegmentCodec
{
    /// <summary>What an event adds to a segment, roughly (for batching; the writer checks the real size).</summary>
    public static int Cost(IncomingEvent e, bool spilled) =>
        64 + e.Id.Length + (e.Traceparent?.Length ?? 0) + (e.Tracestate?.Length ?? 0) + e.Type.Length + e.Source.Length + (e.Subject?.Length ?? 0) + (spilled ? 128 : e.Data.Length);

    public static byte[] Encode(IReadOnlyList<(IncomingEvent Event, string? Blob)> events)
    {
        var buffer = new ArrayBufferWriter<byte>(Math.Max(256, events.Sum(e => Cost(e.Event, e.Blob is not null))));
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true }))
        {
            writer.WriteStartArray();
            foreach (var (e, blob) in events)
            {
                writer.WriteStartObject();
                writer.WriteString("i", e.Id);
                writer.WriteString("t", e.Type);
                writer.WriteString("s", e.Source);
                if (e.Subject is not null)
                {
                    writer.WriteString("j", e.Subject);
                }

                if (e.Time is { } time)
                {
                    // Text, not a Table DateTime: any year, and the event's own offset is kept.
                    writer.WriteString("m", time.ToString("O", CultureInfo.InvariantCulture));
                }

                if (e.Schema == EventSchema.CloudEvents)
                {
                    writer.WriteNumber("c", 1);
                }

                if (e.DataIsBase64)
                {
                    writer.WriteNumber("b", 1);
                }

                if (e.Traceparent is not null)
                {
                    writer.WriteString("p", e.Traceparent);
                }

                if (e.Tracestate is not null)
                {
                    writer.WriteString("q", e.Tracestate);
                }

                if (blob is not null)
                {
                    writer.WriteString("x", blob);
                }
                else if (!e.Data.IsEmpty)
                {
                    writer.WritePropertyName("d");
                    writer.WriteRawValue(e.Data.Span, skipInputValidation: true);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The events of a segment; <paramref name="loadBlob"/> fetches the data of events kept in a blob.</summary>
    public static async Task<List<StoredEvent>> DecodeAsync(SegmentRow segment, long afterSeq, int limit, Func<string, CancellationToken, Task<JsonElement>> loadBlob, CancellationToken cancellationToken)
    {
        var root = JsonElement.Parse(segment.Data);
        var result = new List<StoredEvent>();
        var seq = segment.First;
        foreach (var item in root.EnumerateArray())
        {
            if (seq > afterSeq && result.Count < limit)
            {
                var data = item.TryGetProperty("d", out var d) ? d
                    : item.TryGetProperty("x", out var x) ? await loadBlob(x.GetString()!, cancellationToken)
                    : default;
                result.Add(ToStoredEvent(segment, seq, item, data));
            }

            seq++;
        }

        return result;
    }

    /// <summary>The ids of a segment, in seq order (no data decoded).</summary>
    public static List<string> Ids(SegmentRow segment)
    {
        var root = JsonElement.Parse(segment.Data);
        return [.. root.EnumerateArray().Select(item => item.GetProperty("i").GetString()!)];
    }

    /// <summary>The stored form of an event just committed (the commit listeners' view; no re-read).</summary>
    public static StoredEvent ToStoredEvent(IncomingEvent e, string stream, long seq, DateTimeOffset committedAt) =>
        new(e.Id, seq, stream, e.Type, e.Source, e.Subject, e.Time, e.Data.IsEmpty ? default : JsonElement.Parse(e.Data.Span), e.DataIsBase64, committedAt)
        {
            Traceparent = e.Traceparent,
            Tracestate = e.Tracestate,
        };

    private static StoredEvent ToStoredEvent(SegmentRow segment, long seq, JsonElement item, JsonElement data) =>
        new(item.GetProperty("i").GetString()!,
            seq,
            segment.Stream,
            item.GetProperty("t").GetString()!,
            item.GetProperty("s").GetString() ?? "",
            item.TryGetProperty("j", out var j) ? j.GetString() : null,
            item.TryGetProperty("m", out var m) ? DateTimeOffset.Parse(m.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind) : null,
            data,
            item.TryGetProperty("b", out _),
            segment.CommittedAt)
        {
            Traceparent = item.TryGetProperty("p", out var p) ? p.GetString() : null,
            Tracestate = item.TryGetProperty("q", out var q) ? q.GetString() : null,
        };
}
