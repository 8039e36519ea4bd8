using System.Security.Cryptography;
using System.Text;

namespace FunctionsDashboard.Sse;

/// <summary>
/// The opaque cursor of SSE <c>id:</c> lines and the history API: a checkpoint id, the streams where the reader differs
/// from that checkpoint (at most <see cref="MaxDeltas"/>, at most <see cref="MaxDeltaBytes"/> encoded), and the hash of
/// the subscription it was made for, signed with HMAC-SHA256 (truncated to 128 bits). Base64url, at most
/// <see cref="MaxLength"/> characters whatever the number of streams. Layout (version 1):
/// <c>ver(1) subscription-hash(8) len+checkpoint-id count(1) {len+stream len+generation varint-seq}* mac(16)</c>.
/// </summary>
public static class SseCursor
{
    /// <summary>Most streams a cursor lists beside its checkpoint.</summary>
    public const int MaxDeltas = 8;

    /// <summary>Most bytes of those entries.</summary>
    public const int MaxDeltaBytes = 1024;

    /// <summary>Longest cursor text.</summary>
    public const int MaxLength = 1536;

    private const byte Version = 1;
    private const int MacLength = 16;

    /// <summary>Encodes a cursor.</summary>
    public static string Encode(byte[] key, ReadOnlySpan<byte> subscriptionHash, string checkpointId, IEnumerable<KeyValuePair<string, StreamPosition>> deltas)
    {
        var buffer = new byte[1 + 8 + 1 + checkpointId.Length + 1 + MaxDeltaBytes + 64 + MacLength];
        var at = 0;
        buffer[at++] = Version;
        subscriptionHash[..8].CopyTo(buffer.AsSpan(at));
        at += 8;
        at += WriteString(buffer.AsSpan(at), checkpointId);
        var countAt = at++;
        var count = 0;
        foreach (var (stream, position) in deltas)
        {
            at += WriteString(buffer.AsSpan(at), stream);
            at += WriteString(buffer.AsSpan(at), position.Generation ?? string.Empty);
            at += WriteVarint(buffer.AsSpan(at), (ulong)position.Seq);
            count++;
        }

        buffer[countAt] = (byte)count;
        HMACSHA256.HashData(key, buffer.AsSpan(0, at)).AsSpan(0, MacLength).CopyTo(buffer.AsSpan(at));
        at += MacLength;
        return Base64Url(buffer.AsSpan(0, at));
    }

    /// <summary>Size of a delta entry, to keep cursors within <see cref="MaxDeltaBytes"/>.</summary>
    public static int DeltaBytes(string stream, StreamPosition position) =>
        2 + Encoding.UTF8.GetByteCount(stream) + (position.Generation?.Length ?? 0) + 10;

    /// <summary>Decodes and checks a cursor; the problem when it is malformed or not signed by this app.</summary>
    public static (DecodedCursor? Cursor, string? Problem) Decode(byte[] key, string text)
    {
        const string Malformed = "The cursor (Last-Event-ID / cursor) is malformed: pass back exactly an id this API sent.";
        if (text.Length > MaxLength)
        {
            return (null, $"The cursor is longer than {MaxLength} characters, so it is not one this API made.");
        }

        byte[] bytes;
        try
        {
            bytes = FromBase64Url(text);
        }
        catch (FormatException)
        {
            return (null, Malformed);
        }

        if (bytes.Length < 1 + 8 + 1 + 1 + MacLength || bytes[0] != Version)
        {
            return (null, Malformed);
        }

        var body = bytes.AsSpan(0, bytes.Length - MacLength);
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(key, body, mac);
        if (!CryptographicOperations.FixedTimeEquals(mac[..MacLength], bytes.AsSpan(bytes.Length - MacLength)))
        {
            return (null, "The cursor's signature does not match: it was altered, or made by another deployment.");
        }

        try
        {
            var at = 1;
            var hash = body.Slice(at, 8).ToArray();
            at += 8;
            var checkpoint = ReadString(body, ref at);
            int count = body[at++];
            var deltas = new Dictionary<string, StreamPosition>(StringComparer.Ordinal);
            for (var i = 0; i < count; i++)
            {
                var stream = ReadString(body, ref at);
                var generation = ReadString(body, ref at);
                var seq = (long)ReadVarint(body, ref at);
                deltas[stream] = new StreamPosition(generation.Length == 0 ? null : generation, seq);
            }

            return at == body.Length ? (new DecodedCursor(hash, checkpoint, deltas), null) : (null, Malformed);
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or IndexOutOfRangeException or DecoderFallbackException)
        {
            return (null, Malformed);
        }
    }

    /// <summary>The 8-byte hash a cursor carries for a subscription key.</summary>
    public static byte[] SubscriptionHash(string subscriptionKey) => SHA256.HashData(Encoding.UTF8.GetBytes(subscriptionKey))[..8];

    private static int WriteString(Span<byte> span, string value)
    {
        var length = Encoding.UTF8.GetBytes(value, span[1..]);
        span[0] = checked((byte)length);
        return length + 1;
    }

    private static string ReadString(ReadOnlySpan<byte> span, ref int at)
    {
        int length = span[at++];
        var value = Encoding.UTF8.GetString(span.Slice(at, length));
        at += length;
        return value;
    }

    private static int WriteVarint(Span<byte> span, ulong value)
    {
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[i++] = (byte)value;
        return i;
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> span, ref int at)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = span[at++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(span), "varint too long");
    }

    private static string Base64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromBase64Url(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        s = (s.Length % 4) switch { 2 => s + "==", 3 => s + "=", 0 => s, _ => throw new FormatException() };
        return Convert.FromBase64String(s);
    }
}
