using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using FunctionsDashboard.SignalR;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace FunctionsDashboard.DevHost.LocalSignalR;

/// <summary>
/// The local Service's keys, as a SignalR resource has them: a primary and a secondary access key (upstream calls are
/// signed with both, comma-separated, as the real Service does), and the temporary keys it hands out to Microsoft Entra
/// principals at <c>GET /api/v1/auth/accessKey</c> (<c>{"KeyId","AccessKey"}</c>; client tokens signed with one carry its
/// <c>kid</c>). With <see cref="LocalSignalROptions.DisableLocalAuth"/> (Bicep's <c>disableLocalAuth: true</c>) tokens
/// signed with the access keys are refused and only the Entra flow works.
/// </summary>
internal sealed class LocalSignalRKeys(IOptions<LocalSignalROptions> options, IOptions<SignalROptions> signalR, TimeProvider timeProvider, LocalSignalRFaults? faults = null)
{
    /// <summary>How long an issued key signs valid tokens (the SDK refreshes every 55 min and drops a key after 120).</summary>
    public static readonly TimeSpan IssuedKeyLifetime = TimeSpan.FromMinutes(120);

    private static readonly JsonWebTokenHandler Handler = new() { MapInboundClaims = false };
    private readonly ConcurrentDictionary<string, (SymmetricSecurityKey Key, DateTimeOffset Issued)> _issued = new(StringComparer.Ordinal);

    /// <summary>The primary key after <see cref="LocalSignalRFaultSettings.RejectAccessKey"/>: one the app cannot know.</summary>
    public const string RotatedPrimary = "local-rotated-primary-key-the-app-does-not-have";

    /// <summary>
    /// The primary access key: the app's own when its connection string has one, else <c>LocalSignalR:AccessKey</c>;
    /// <see cref="RotatedPrimary"/> while <see cref="LocalSignalRFaultSettings.RejectAccessKey"/> is on.
    /// </summary>
    public string Primary => faults?.Current.RejectAccessKey == true ? RotatedPrimary : signalR.Value.Connection.AccessKey ?? options.Value.AccessKey;

    /// <summary>The secondary access key (<c>LocalSignalR:SecondaryAccessKey</c>).</summary>
    public string Secondary => options.Value.SecondaryAccessKey;

    /// <summary>Both access keys, primary first: what upstream signatures are computed with.</summary>
    public IReadOnlyList<string> AccessKeys => [Primary, Secondary];

    /// <summary>Every key a client or REST token may be signed with right now.</summary>
    public IEnumerable<SecurityKey> SigningKeys()
    {
        var now = timeProvider.GetUtcNow();
        var issued = _issued.Values.Where(k => now - k.Issued < IssuedKeyLifetime).Select(k => (SecurityKey)k.Key);
        return options.Value.DisableLocalAuth ? issued.ToList() : [.. AccessKeys.Select(SignalRTokenService.SigningKey), .. issued];
    }

    /// <summary>A fresh temporary key for an Entra principal.</summary>
    public (string KeyId, string AccessKey) Issue()
    {
        var keyId = "entra-" + Guid.NewGuid().ToString("N");
        var accessKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        _issued[keyId] = (new SymmetricSecurityKey(Encoding.UTF8.GetBytes(accessKey)) { KeyId = keyId }, timeProvider.GetUtcNow());
        return (keyId, accessKey);
    }

    /// <summary>
    /// Checks a bearer token as a Microsoft Entra token for the Service: null when it is one (and its principal holds the
    /// App Server role), else the status to answer (401 not a valid Entra token, 403 no role) and why.
    /// </summary>
    public async Task<(int Status, string Error)?> CheckEntraAsync(string? token)
    {
        var entra = options.Value.Entra;
        if (string.IsNullOrEmpty(token) || string.IsNullOrEmpty(entra.SigningKey))
        {
            return (StatusCodes.Status401Unauthorized, "no Microsoft Entra token");
        }

        var result = await Handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidateIssuer = false,
            ValidAudience = entra.Audience,
            IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(entra.SigningKey)),
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            RequireExpirationTime = true,
            LifetimeValidator = (notBefore, expires, _, _) => expires is { } e && timeProvider.GetUtcNow().UtcDateTime < e && (notBefore is not { } nb || timeProvider.GetUtcNow().UtcDateTime >= nb.AddSeconds(-5)),
        });
        if (!result.IsValid)
        {
            return (StatusCodes.Status401Unauthorized, "not a valid Microsoft Entra token for the Service");
        }

        var objectId = result.ClaimsIdentity.FindFirst("oid")?.Value;
        return entra.AppServerObjectIds.Count == 0 || (objectId is not null && entra.AppServerObjectIds.Contains(objectId))
            ? null
            : (StatusCodes.Status403Forbidden, "the principal does not hold the SignalR App Server role");
    }

    /// <summary>Whether a token's header names the HS256 algorithm and a key this Service issued or holds (cheap pre-check).</summary>
    public static bool LooksLikeEntraToken(string? token)
    {
        if (string.IsNullOrEmpty(token) || !Handler.CanReadToken(token))
        {
            return false;
        }

        var jwt = Handler.ReadJsonWebToken(token);
        return jwt.Audiences.Any(a => a.StartsWith(LocalSignalREntraOptions.DefaultAudience, StringComparison.OrdinalIgnoreCase))
            || jwt.TryGetClaim("oid", out Claim _);
    }
}
