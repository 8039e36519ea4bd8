using System.Security.Claims;
using FunctionsDashboard.Health;
using FunctionsDashboard.SignalR;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Connections;

/// <summary>
/// Hands out SignalR Service connections. Refuses (503 + Retry-After) until the app is ready, so no client is ever
/// accepted before its handlers exist. The user id comes from a trusted principal (App Service authentication, which
/// strips forged headers, when it is enabled) or, only when <see cref="SignalROptions.AllowAnonymous"/>, an anonymous id.
/// </summary>
public sealed class Negotiator(Readiness readiness, SignalRTokenService tokens, IOptions<SignalROptions> options)
{
    /// <summary>How long a client should wait before negotiating again while the app starts.</summary>
    public static readonly TimeSpan NotReadyRetryAfter = TimeSpan.FromSeconds(2);

    private const string AnonymousPrefix = "anonymous-";

    /// <summary>Negotiates for a caller.</summary>
    /// <param name="principalId">The authenticated principal id, or null.</param>
    /// <param name="sseUrl">The absolute URL of the SSE fallback.</param>
    /// <param name="claims">Extra claims for the client token (they reach the upstream in <c>X-ASRS-User-Claims</c>).</param>
    /// <param name="allowAnonymous">Whether a caller without principal is allowed (the access rule's answer); default <see cref="SignalROptions.AllowAnonymous"/>.</param>
    /// <param name="sseToken">The stream token to hand out with the connection.</param>
    public NegotiateOutcome Negotiate(string? principalId, string sseUrl, IEnumerable<Claim>? claims = null, bool? allowAnonymous = null, string? sseToken = null) =>
        Negotiate(principalId, sseUrl, claims is null ? [] : [.. claims.Select(c => new KeyValuePair<string, string>(c.Type, c.Value))], allowAnonymous, sseToken);

    /// <summary>Negotiates for a caller, with the client token's extra claims as (type, value); see the other overload.</summary>
    public NegotiateOutcome Negotiate(string? principalId, string sseUrl, IReadOnlyList<KeyValuePair<string, string>> claims, bool? allowAnonymous = null, string? sseToken = null)
    {
        if (!readiness.IsReady)
        {
            return new NegotiateOutcome(null, 503, $"The app is starting ({readiness.Reason}); try again shortly.", NotReadyRetryAfter);
        }

        var o = options.Value;
        string userId;
        if (!string.IsNullOrWhiteSpace(principalId))
        {
            userId = principalId;
        }
        else if (allowAnonymous ?? o.AllowAnonymous)
        {
            userId = AnonymousUserId();
        }
        else
        {
            return new NegotiateOutcome(null, 401, "Sign in first: negotiate needs an authenticated user (SignalR:AllowAnonymous is off).");
        }

        var token = tokens.CreateClientToken(o.HubName, userId, claims);
        return new NegotiateOutcome(new NegotiateResponse(tokens.ClientUrl(o.HubName), token, sseUrl, sseToken), 200);
    }

    /// <summary><c>anonymous-</c> + the first 12 hex digits of a new GUID, written in one allocation.</summary>
    private static string AnonymousUserId() =>
        string.Create(AnonymousPrefix.Length + 12, Guid.NewGuid(), static (span, guid) =>
        {
            Span<char> hex = stackalloc char[32];
            guid.TryFormat(hex, out _, "N");
            AnonymousPrefix.CopyTo(span);
            hex[..12].CopyTo(span[AnonymousPrefix.Length..]);
        });
}
