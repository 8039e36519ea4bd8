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
    private MintedToken? _last;

    /// <summary>Mints a token for <paramref name="identity"/> that reads <paramref name="readable"/>.</summary>
    /// <remarks>
    /// Written by <see cref="FunctionsDashboard.SignalR.SignalRSigningKey.CreateToken"/> with the sub-key built once
    /// (negotiate's hot path, docs/benchmarks.md). A token's times are whole seconds and HS256 is deterministic, so the
    /// token for the same caller, streams, key and seconds is the same string: the last one minted is handed out again
    /// within its second instead of being signed anew (every anonymous dashboard negotiating in one second).
    /// </remarks>
    public string Mint(CallerIdentity identity, StreamSet readable)
    {
        var root = key.Bytes;
        var signing = _signing is { } cached && ReferenceEquals(cached.Root, root) ? cached.Key : null;
        if (signing is null)
        {
            signing = FunctionsDashboard.SignalR.SignalRSigningKey.FromBytes(key.For("stream-token"));
            _signing = new SigningCache(root, signing);
        }

        var now = timeProvider.GetUtcNow();
        var lifetime = options.Value.StreamTokenLifetime;
        var subject = identity.UserId ?? "anonymous";
        var (issued, expires) = (now.ToUnixTimeSeconds(), (now + lifetime).ToUnixTimeSeconds());
        if (_last is { } last && ReferenceEquals(last.Signing, signing) && last.Issued == issued && last.Expires == expires
            && string.Equals(last.Subject, subject, StringComparison.Ordinal) && string.Equals(last.Source, identity.Source, StringComparison.Ordinal)
            && string.Equals(last.Streams, readable.Key, StringComparison.Ordinal))
        {
            return last.Token;
        }

        var token = signing.CreateToken(Audience, now, lifetime,
        [
            new("iss", Audience),
            new("sub", subject),
            new(StreamsClaim, readable.Key),
            new(SourceClaim, identity.Source),
        ]);
        _last = new MintedToken(signing, issued, expires, subject, identity.Source, readable.Key, token);
        return token;
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

    /// <summary>The last token minted, with what it was minted from (a reference, so readers never see half of it).</summary>
    private sealed record MintedToken(FunctionsDashboard.SignalR.SignalRSigningKey Signing, long Issued, long Expires, string Subject, string Source, string Streams, string Token);
}
