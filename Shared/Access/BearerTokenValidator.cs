using System.Security.Claims;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace FunctionsDashboard.Access;

/// <summary>
/// Validates <c>Authorization: Bearer</c> tokens with Microsoft.IdentityModel: issuer, audience, lifetime and signature,
/// with keys from the OpenID Connect metadata address (cached and refreshed by <see cref="ConfigurationManager{T}"/>),
/// a JWKS, or symmetric keys from <see cref="BearerOptions"/>.
/// </summary>
public sealed class BearerTokenValidator
{
    private static readonly string[] RoleClaims = ["roles", "role", ClaimTypes.Role];
    private readonly BearerOptions _options;
    private readonly TimeProvider _time;
    private readonly JsonWebTokenHandler _handler = new();
    private readonly ConfigurationManager<OpenIdConnectConfiguration>? _metadata;
    private readonly List<SecurityKey> _staticKeys = [];

    /// <summary>Creates the validator.</summary>
    public BearerTokenValidator(IOptions<AccessOptions> options, TimeProvider timeProvider)
    {
        _options = options.Value.Bearer;
        _time = timeProvider;
        if (!string.IsNullOrEmpty(_options.MetadataAddress))
        {
            _metadata = new ConfigurationManager<OpenIdConnectConfiguration>(
                _options.MetadataAddress, new OpenIdConnectConfigurationRetriever(), new HttpDocumentRetriever { RequireHttps = _options.MetadataAddress.StartsWith("https:", StringComparison.OrdinalIgnoreCase) });
        }

        _staticKeys.AddRange(_options.SymmetricKeys.Select(k => new SymmetricSecurityKey(Convert.FromBase64String(k))));
        if (!string.IsNullOrEmpty(_options.Jwks))
        {
            _staticKeys.AddRange(new JsonWebKeySet(_options.Jwks).GetSigningKeys());
        }
    }

    /// <summary>True when bearer tokens are accepted at all.</summary>
    public bool Enabled => _options.Issuers.Count > 0;

    /// <summary>The caller of a valid token; null when it is not valid.</summary>
    public async Task<CallerIdentity?> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        if (!Enabled || token.Length > 16 * 1024)
        {
            return null;
        }

        var keys = new List<SecurityKey>(_staticKeys);
        if (_metadata is not null)
        {
            var config = await _metadata.GetConfigurationAsync(cancellationToken);
            keys.AddRange(config.SigningKeys);
        }

        var result = await _handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuers = _options.Issuers,
            ValidAudiences = _options.Audiences,
            IssuerSigningKeys = keys,
            ValidateIssuerSigningKey = true,
            ClockSkew = TimeSpan.FromMinutes(2),
            LifetimeValidator = (notBefore, expires, _, p) =>
            {
                var now = _time.GetUtcNow().UtcDateTime;
                return expires is { } e && e + p.ClockSkew > now && (notBefore is not { } n || n - p.ClockSkew <= now);
            },
        });
        if (!result.IsValid || result.ClaimsIdentity is not { } identity)
        {
            return null;
        }

        var claims = identity.Claims.Select(c => new KeyValuePair<string, string>(c.Type, c.Value)).ToList();
        var userId = _options.UserIdClaim is { } custom
            ? identity.FindFirst(custom)?.Value
            : identity.FindFirst("oid")?.Value ?? identity.FindFirst("sub")?.Value ?? identity.FindFirst(ClaimTypes.NameIdentifier)?.Value;
        if (string.IsNullOrEmpty(userId))
        {
            return null;
        }

        var roles = identity.Claims.Where(c => RoleClaims.Contains(c.Type)).Select(c => c.Value).Distinct(StringComparer.Ordinal).ToList();
        return new CallerIdentity(userId, roles, claims, "bearer");
    }
}
