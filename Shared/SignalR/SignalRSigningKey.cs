using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace FunctionsDashboard.SignalR;

/// <summary>
/// A key that signs SignalR Service tokens (HS256 over the UTF-8 bytes of the key) with its <c>kid</c>: an access key
/// (kid = a short hash of it, so tokens never reveal the key) or a key the Service handed out to a Microsoft Entra
/// principal (kid = its KeyId). Built once and reused: the credentials cache their HMAC provider.
/// </summary>
public sealed class SignalRSigningKey
{
    private SignalRSigningKey(string keyId, string key)
    {
        KeyId = keyId;
        SecurityKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)) { KeyId = keyId };
        Credentials = new SigningCredentials(SecurityKey, SecurityAlgorithms.HmacSha256);
    }

    /// <summary>The <c>kid</c> tokens signed with this key carry.</summary>
    public string KeyId { get; }

    /// <summary>The key, for validation.</summary>
    public SymmetricSecurityKey SecurityKey { get; }

    /// <summary>HS256 signing credentials.</summary>
    public SigningCredentials Credentials { get; }

    /// <summary>A plain access key (kid = <see cref="AccessKeyId"/>).</summary>
    public static SignalRSigningKey FromAccessKey(string accessKey) => new(AccessKeyId(accessKey), accessKey);

    /// <summary>A key the Service issued (<c>GET /api/v1/auth/accessKey</c> → <c>{KeyId, AccessKey}</c>).</summary>
    public static SignalRSigningKey Issued(string keyId, string accessKey) => new(keyId, accessKey);

    /// <summary>The <c>kid</c> for a plain access key: a short hash, so tokens never reveal the key.</summary>
    public static string AccessKeyId(string accessKey) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(accessKey)).AsSpan(0, 8)).ToLowerInvariant();
}
