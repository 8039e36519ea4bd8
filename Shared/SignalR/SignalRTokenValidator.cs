using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace FunctionsDashboard.SignalR;

/// <summary>
/// Checks a SignalR Service token the way the Service does: HS256 signature with one of the access keys, the audience
/// (exact, or in the forms Microsoft's SDKs mint, see <see cref="SignalRAudience"/>), and the lifetime (on <see cref="TimeProvider"/> time, so tests can move the clock). Used by DevHost's local
/// SignalR Service (stricter than the official emulator, which checks the signature only) and by tests.
/// </summary>
public sealed class SignalRTokenValidator(TimeProvider timeProvider)
{
    private static readonly JsonWebTokenHandler Handler = new() { MapInboundClaims = false };

    /// <summary>Validates <paramref name="token"/>; on success returns the principal, else the reason.</summary>
    public Task<(ClaimsPrincipal? Principal, string? Error)> ValidateAsync(string? token, string expectedAudience, IEnumerable<string> accessKeys) =>
        ValidateAsync(token, expectedAudience, accessKeys.Select(SignalRTokenService.SigningKey));

    /// <summary>Validates <paramref name="token"/> against signing keys (each with its <c>kid</c>); on success returns the principal, else the reason.</summary>
    public async Task<(ClaimsPrincipal? Principal, string? Error)> ValidateAsync(string? token, string expectedAudience, IEnumerable<SecurityKey> signingKeys)
    {
        if (string.IsNullOrEmpty(token))
        {
            return (null, "no access token");
        }

        var parameters = new TokenValidationParameters
        {
            ValidateIssuer = false,
            ValidateAudience = true,
            ValidAudience = expectedAudience,
            AudienceValidator = (audiences, _, p) => audiences.Any(a => SignalRAudience.Matches(a, p.ValidAudience)),
            IssuerSigningKeys = signingKeys.ToList(),
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            RequireExpirationTime = true,
            ValidateLifetime = true,
            LifetimeValidator = (notBefore, expires, _, _) => ValidLifetime(notBefore, expires),
            NameClaimType = SignalRTokenService.UserIdClaim,
        };

        var result = await Handler.ValidateTokenAsync(token, parameters);
        if (result.IsValid)
        {
            return (new ClaimsPrincipal(result.ClaimsIdentity), null);
        }

        return (null, result.Exception switch
        {
            SecurityTokenInvalidAudienceException => "audience does not match",
            SecurityTokenInvalidLifetimeException or SecurityTokenExpiredException => "token expired or not yet valid",
            SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "signature does not match",
            _ => "token is not valid",
        });
    }

    private bool ValidLifetime(DateTime? notBefore, DateTime? expires)
    {
        var now = timeProvider.GetUtcNow().UtcDateTime;
        var skew = TimeSpan.FromSeconds(5);
        return expires is { } e && now < e + skew && (notBefore is not { } nb || now + skew >= nb);
    }
}
