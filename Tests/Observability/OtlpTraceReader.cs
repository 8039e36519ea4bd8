namespace FunctionsDashboard.Tests.Observability;

/// <summary>One span of an OTLP <c>ExportTraceServiceRequest</c>, with the fields the tests assert.</summary>
public sealed record OtlpSpan(string Scope, string TraceId, string SpanId, string ParentSpanId, string Name, int Kind, IReadOnlyDictionary<string, string> Attributes, IReadOnlyList<(string TraceId, string SpanId)> Links);

/// <summary>
/// A minimal reader of the protobuf wire format for the fields of opentelemetry/proto/collector/trace/v1
/// (ExportTraceServiceRequest.resource_spans = 1; ResourceSpans.scope_spans = 2; ScopeSpans.scope = 1, spans = 2;
/// InstrumentationScope.name = 1; Span.trace_id = 1, span_id = 2, parent_span_id = 4, name = 5, kind = 6,
/// attributes = 9, links = 13; KeyValue.key = 1, value = 2; AnyValue.string_value = 1, bool_value = 2, int_value = 3,
/// double_value = 4; Link.trace_id = 1, span_id = 2). Unknown fields are skipped by wire type, as protobuf requires.
/// </summary>
public static class OtlpTraceReader
{
    public static List<OtlpSpan> Read(ReadOnlySpan<byte> request)
    {
        var spans = new List<OtlpSpan>();
        var reader = new Reader(request);
        while (reader.Next(out var field, out var wire))
        {
            if (field == 1 && wire == 2)
            {
                ReadResourceSpans(reader.Bytes(), spans);
            }
            else
            {
                reader.Skip(wire);
            }
        }

        return spans;
    }

    private static void ReadResourceSpans(ReadOnlySpan<byte> bytes, List<OtlpSpan> spans)
    {
        var reader = new Reader(bytes);
        while (reader.Next(out var field, out var wire))
        {
            if (field == 2 && wire == 2)
            {
                ReadScopeSpans(reader.Bytes(), spans);
            }
            else
            {
                reader.Skip(wire);
            }
        }
    }

    private static void ReadScopeSpans(ReadOnlySpan<byte> bytes, List<OtlpSpan> spans)
    {
        var reader = new Reader(bytes);
        var scope = "";
        var raw = new List<byte[]>();
        while (reader.Next(out var field, out var wire))
        {
            if (field == 1 && wire == 2)
            {
                var scopeReader = new Reader(reader.Bytes());
                while (scopeReader.Next(out var f, out var w))
                {
                    if (f == 1 && w == 2)
                    {
                        scope = scopeReader.String();
                    }
                    else
                    {
                        scopeReader.Skip(w);
                    }
                }
            }
            else if (field == 2 && wire == 2)
            {
                raw.Add(reader.Bytes().ToArray());
            }
            else
            {
                reader.Skip(wire);
            }
        }

        spans.AddRange(raw.Select(r => ReadSpan(scope, r)));
    }

    private static OtlpSpan ReadSpan(string scope, ReadOnlySpan<byte> bytes)
    {
        var reader = new Reader(bytes);
        string traceId = "", spanId = "", parent = "", name = "";
        var kind = 0;
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        var links = new List<(string, string)>();
        while (reader.Next(out var field, out var wire))
        {
            switch (field, wire)
            {
                case (1, 2): traceId = Convert.ToHexStringLower(reader.Bytes()); break;
                case (2, 2): spanId = Convert.ToHexStringLower(reader.Bytes()); break;
                case (4, 2): parent = Convert.ToHexStringLower(reader.Bytes()); break;
                case (5, 2): name = reader.String(); break;
                case (6, 0): kind = (int)reader.Varint(); break;
                case (9, 2):
                    var (key, value) = ReadKeyValue(reader.Bytes());
                    attributes[key] = value;
                    break;
                case (13, 2): links.Add(ReadLink(reader.Bytes())); break;
                default: reader.Skip(wire); break;
            }
        }

        return new OtlpSpan(scope, traceId, spanId, parent, name, kind, attributes, links);
    }

    private static (string Key, string Value) ReadKeyValue(ReadOnlySpan<byte> bytes)
    {
        var reader = new Reader(bytes);
        string key = "", value = "";
        while (reader.Next(out var field, out var wire))
        {
            if (field == 1 && wire == 2)
            {
                key = reader.String();
            }
            else if (field == 2 && wire == 2)
            {
                var any = new Reader(reader.Bytes());
                while (any.Next(out var f, out var w))
                {
                    value = (f, w) switch
                    {
                        (1, 2) => any.String(),
                        (2, 0) => (any.Varint() != 0).ToString(),
                        (3, 0) => ((long)any.Varint()).ToString(System.Globalization.CultureInfo.InvariantCulture),
                        (4, 1) => BitConverter.Int64BitsToDouble((long)any.Fixed64()).ToString(System.Globalization.CultureInfo.InvariantCulture),
                        _ => Skipped(ref any, w, value),
                    };
                }
            }
            else
            {
                reader.Skip(wire);
            }
        }

        return (key, value);
    }

    private static string Skipped(ref Reader reader, int wire, string value)
    {
        reader.Skip(wire);
        return value;
    }

    private static (string TraceId, string SpanId) ReadLink(ReadOnlySpan<byte> bytes)
    {
        var reader = new Reader(bytes);
        string traceId = "", spanId = "";
        while (reader.Next(out var field, out var wire))
        {
            switch (field, wire)
            {
                case (1, 2): traceId = Convert.ToHexStringLower(reader.Bytes()); break;
                case (2, 2): spanId = Convert.ToHexStringLower(reader.Bytes()); break;
                default: reader.Skip(wire); break;
            }
        }

        return (traceId, spanId);
    }

    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _position;

        public bool Next(out int field, out int wire)
        {
            field = wire = 0;
            if (_position >= _data.Length)
            {
                return false;
            }

            var tag = Varint();
            field = (int)(tag >> 3);
            wire = (int)(tag & 7);
            return true;
        }

        public ulong Varint()
        {
            ulong result = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                var b = _data[_position++];
                result |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                {
                    return result;
                }
            }

            throw new FormatException("varint longer than 10 bytes");
        }

        public ulong Fixed64()
        {
            var value = BitConverter.ToUInt64(_data.Slice(_position, 8));
            _position += 8;
            return value;
        }

        public ReadOnlySpan<byte> Bytes()
        {
            var length = checked((int)Varint());
            var slice = _data.Slice(_position, length);
            _position += length;
            return slice;
        }

        public string String() => System.Text.Encoding.UTF8.GetString(Bytes());

        public void Skip(int wire)
        {
            switch (wire)
            {
                case 0: Varint(); break;
                case 1: _position += 8; break;
                case 2: Bytes(); break;
                case 5: _position += 4; break;
                default: throw new FormatException($"unsupported wire type {wire}");
            }
        }
    }
}
