using System.Security.Claims;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace FunctionsDashboard.Access;

/// <summary>
/// Short-lived stream tokens: negotiate mints one for the caller (its user id and readable streams), for clients that
/// cannot send headers (<c>EventSource</c>: <c>?access_token=</c> or the stream-token cookie). HS256 with a sub-key of
/// the <see cref="StreamSigningKey"/>; audience <see cref="Audience"/>. Never logged.
/// </summary>
public sealed class StreamTokens(StreamSigningKey key, IOptions<AccessOptions> options, TimeProvider timeProvider)
{
    /// <summary>The tokens' issuer and audience.</summary>
    public const string Audience = "functionsdashboard-streams";

    /// <summary>The query parameter carrying a stream token.</summary>
    public const string QueryParameter = "access_token";

    /// <summary>The cookie carrying a stream token.</summary>
    public const string CookieName = "dashboard-stream-token";

    private const string StreamsClaim = "streams";
    private const string SourceClaim = "src";
    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    private SigningCache? _signing;

    /// <summary>Mints a token for <paramref name="identity"/> that reads <paramref name="readable"/>.</summary>
    /// <remarks>Written by <see cref="FunctionsDashboard.SignalR.SignalRSigningKey.CreateToken"/> with the sub-key built once (negotiate's hot path, docs/benchmarks.md).</remarks>
    public string Mint(CallerIdentity identity, StreamSet readable)
    {
        var root = key.Bytes;
        var signing = _signing is { } cached && ReferenceEquals(cached.Root, root) ? cached.Key : null;
        if (signing is null)
        {
            signing = FunctionsDashboard.SignalR.SignalRSigningKey.FromBytes(key.For("stream-token"));
            _signing = new SigningCache(root, signing);
        }

        return signing.CreateToken(Audience, timeProvider.GetUtcNow(), options.Value.StreamTokenLifetime,
        [
            new("iss", Audience),
            new("sub", identity.UserId ?? "anonymous"),
            new(StreamsClaim, readable.Key),
            new(SourceClaim, identity.Source),
        ]);
    }

    /// <summary>The identity and readable streams of a valid token; null when it is not one (forged, expired, malformed).</summary>
    public async Task<(CallerIdentity Identity, StreamSet Readable)?> ValidateAsync(string token)
    {
        if (token.Length > 8192)
        {
            return null;
        }

        var result = await Handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = Audience,
            ValidAudience = Audience,
            IssuerSigningKey = new SymmetricSecurityKey(key.For("stream-token")),
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            LifetimeValidator = (notBefore, expires, _, _) =>
            {
                var now = timeProvider.GetUtcNow().UtcDateTime;
                return expires is { } e && e > now && (notBefore is not { } n || n <= now.AddSeconds(30));
            },
        });
        if (!result.IsValid || result.ClaimsIdentity is not { } claims)
        {
            return null;
        }

        var streams = claims.FindFirst(StreamsClaim)?.Value ?? string.Empty;
        var patterns = streams.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(StreamPattern.TryParse).ToList();
        if (patterns.Any(p => p is null))
        {
            return null;
        }

        var sub = claims.FindFirst("sub")?.Value ?? claims.FindFirst(ClaimTypes.NameIdentifier)?.Value;
        var source = claims.FindFirst(SourceClaim)?.Value;
        var identity = source == "anonymous" || sub is null ? CallerIdentity.Anonymous : new CallerIdentity(sub, [], [], "stream-token");
        return (identity, StreamSet.Of(patterns.Select(p => p!.Value)));
    }

    private sealed record SigningCache(byte[] Root, FunctionsDashboard.SignalR.SignalRSigningKey Key);
}
