using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace FunctionsDashboard.SignalR;

/// <summary>
/// A key that signs SignalR Service tokens (HS256 over the UTF-8 bytes of the key) with its <c>kid</c>: an access key
/// (kid = a short hash of it, so tokens never reveal the key) or a key the Service handed out to a Microsoft Entra
/// principal (kid = its KeyId). Built once and reused.
/// <see cref="CreateToken"/> writes the compact JWT itself (Utf8JsonWriter, HMACSHA256, Base64Url): the same token
/// JsonWebTokenHandler makes (header <c>alg</c>/<c>kid</c>/<c>typ</c>, numeric dates), at a fraction of the cost; it was
/// three quarters of negotiate's own time (docs/benchmarks.md). Tokens are read and checked by JsonWebTokenHandler.
/// </summary>
public sealed class SignalRSigningKey
{
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    // One writer per thread, reset onto the buffer per token (a token is written in one go, never across awaits).
    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    private readonly byte[] _keyBytes;
    private readonly byte[] _encodedHeader;

    private SignalRSigningKey(string? keyId, string key)
        : this(keyId, Encoding.UTF8.GetBytes(key))
    {
    }

    private SignalRSigningKey(string? keyId, byte[] keyBytes)
    {
        KeyId = keyId;
        _keyBytes = keyBytes;
        SecurityKey = new SymmetricSecurityKey(_keyBytes) { KeyId = keyId };
        Credentials = new SigningCredentials(SecurityKey, SecurityAlgorithms.HmacSha256);
        var header = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(header))
        {
            json.WriteStartObject();
            json.WriteString("alg", "HS256");
            if (keyId is not null)
            {
                json.WriteString("kid", keyId);
            }

            json.WriteString("typ", "JWT");
            json.WriteEndObject();
        }

        _encodedHeader = Encoding.ASCII.GetBytes(Base64Url.EncodeToString(header.WrittenSpan));
    }

    /// <summary>The <c>kid</c> tokens signed with this key carry (none when null).</summary>
    public string? KeyId { get; }

    /// <summary>The key, for validation.</summary>
    public SymmetricSecurityKey SecurityKey { get; }

    /// <summary>HS256 signing credentials.</summary>
    public SigningCredentials Credentials { get; }

    /// <summary>A plain access key (kid = <see cref="AccessKeyId"/>).</summary>
    public static SignalRSigningKey FromAccessKey(string accessKey) => new(AccessKeyId(accessKey), accessKey);

    /// <summary>Any HS256 key given as bytes (e.g. the stream-token key), with an optional <c>kid</c>.</summary>
    public static SignalRSigningKey FromBytes(byte[] key, string? keyId = null) => new(keyId, key);

    /// <summary>A key the Service issued (<c>GET /api/v1/auth/accessKey</c> → <c>{KeyId, AccessKey}</c>).</summary>
    public static SignalRSigningKey Issued(string keyId, string accessKey) => new(keyId, accessKey);

    /// <summary>
    /// An HS256 JWT: <c>aud</c>, <c>exp</c>, <c>iat</c>, <c>nbf</c> (seconds since the epoch) and string
    /// <paramref name="claims"/> (a later claim of the same type wins), signed with this key.
    /// </summary>
    public string CreateToken(string audience, DateTimeOffset now, TimeSpan lifetime, IReadOnlyList<KeyValuePair<string, string>> claims)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        var json = t_writer ??= new Utf8JsonWriter(buffer);
        json.Reset(buffer);
        var issued = now.ToUnixTimeSeconds();
        json.WriteStartObject();
        json.WriteString("aud", audience);
        json.WriteNumber("exp", (now + lifetime).ToUnixTimeSeconds());
        json.WriteNumber("iat", issued);
        json.WriteNumber("nbf", issued);
        for (var i = 0; i < claims.Count; i++)
        {
            var (type, value) = claims[i];
            if (type is "aud" or "exp" or "iat" or "nbf" || LaterHasType(claims, i, type))
            {
                continue;
            }

            json.WriteString(type, value);
        }

        json.WriteEndObject();
        json.Flush();

        var payloadLength = Base64Url.GetEncodedLength(buffer.WrittenCount);
        var signingLength = _encodedHeader.Length + 1 + payloadLength;
        var signatureLength = Base64Url.GetEncodedLength(HMACSHA256.HashSizeInBytes);
        var rented = ArrayPool<byte>.Shared.Rent(signingLength + 1 + signatureLength);
        try
        {
            var token = rented.AsSpan(0, signingLength + 1 + signatureLength);
            _encodedHeader.CopyTo(token);
            token[_encodedHeader.Length] = (byte)'.';
            Base64Url.EncodeToUtf8(buffer.WrittenSpan, token.Slice(_encodedHeader.Length + 1, payloadLength), out _, out _);
            Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
            HMACSHA256.HashData(_keyBytes, token[..signingLength], mac);
            token[signingLength] = (byte)'.';
            Base64Url.EncodeToUtf8(mac, token[(signingLength + 1)..], out _, out _);
            return Encoding.ASCII.GetString(token);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static bool LaterHasType(IReadOnlyList<KeyValuePair<string, string>> claims, int index, string type)
    {
        for (var j = index + 1; j < claims.Count; j++)
        {
            if (string.Equals(claims[j].Key, type, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The <c>kid</c> for a plain access key: a short hash, so tokens never reveal the key.</summary>
    public static string AccessKeyId(string accessKey) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(accessKey)).AsSpan(0, 8)).ToLowerInvariant();
}
