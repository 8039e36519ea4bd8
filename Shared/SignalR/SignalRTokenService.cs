using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace FunctionsDashboard.SignalR;

/// <summary>
/// Issues the HS256 tokens Azure SignalR Service accepts: client access tokens (<c>aud</c> = the client URL
/// <c>{endpoint}/client/?hub={hub}</c>, <c>nameid</c> = user id) and REST tokens (<c>aud</c> = the request URL without
/// query). Signed with the UTF-8 bytes of the access key; <c>kid</c> is a hash of the key (never the key).
/// </summary>
public sealed class SignalRTokenService(IOptions<SignalROptions> options, TimeProvider timeProvider)
{
    /// <summary>The user id claim the Service reads.</summary>
    public const string UserIdClaim = "nameid";

    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    /// <summary>The URL clients connect to for <paramref name="hub"/>: <c>{ClientEndpoint}/client/?hub={hub lower-cased}</c>.</summary>
    public string ClientUrl(string hub) =>
        $"{options.Value.Connection.ClientEndpoint.AbsoluteUri.TrimEnd('/')}/client/?hub={hub.ToLowerInvariant()}";

    /// <summary>A client access token for the hub, valid for <see cref="SignalROptions.AccessTokenLifetime"/>.</summary>
    public string CreateClientToken(string hub, string? userId, IEnumerable<Claim>? extraClaims = null)
    {
        var claims = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var claim in extraClaims ?? [])
        {
            claims[claim.Type] = claim.Value;
        }

        if (!string.IsNullOrEmpty(userId))
        {
            claims[UserIdClaim] = userId;
        }

        return Create(ClientUrl(hub), options.Value.AccessTokenLifetime, claims);
    }

    /// <summary>A REST token whose audience is <paramref name="requestUrl"/> without its query string.</summary>
    public string CreateRestToken(Uri requestUrl)
    {
        var audience = requestUrl.GetLeftPart(UriPartial.Path).TrimEnd('/');
        return Create(audience, options.Value.AccessTokenLifetime, []);
    }

    /// <summary>The <c>kid</c> for a plain access key: a short hash, so tokens never reveal the key.</summary>
    public static string KeyId(string accessKey) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(accessKey)).AsSpan(0, 8)).ToLowerInvariant();

    /// <summary>The signing key for an access key.</summary>
    public static SymmetricSecurityKey SigningKey(string accessKey) =>
        new(Encoding.UTF8.GetBytes(accessKey)) { KeyId = KeyId(accessKey) };

    private string Create(string audience, TimeSpan lifetime, Dictionary<string, object> claims)
    {
        var now = timeProvider.GetUtcNow().UtcDateTime;
        var descriptor = new SecurityTokenDescriptor
        {
            Audience = audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            Claims = claims,
            SigningCredentials = new SigningCredentials(SigningKey(options.Value.Connection.AccessKey), SecurityAlgorithms.HmacSha256),
        };
        return Handler.CreateToken(descriptor);
    }
}
