using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Access;

/// <summary>
/// The one access rule of every read path (negotiate, SignalR groups, SSE, history, presence). Identity, in this order:
/// a bearer token (<c>Authorization: Bearer</c>, when <see cref="BearerOptions.Issuers"/> is set), a stream token
/// (minted by negotiate), App Service authentication's principal (where trusted). Credentials that are present but
/// invalid are refused (401), never downgraded to anonymous. Without any, the caller is anonymous, which is allowed only
/// when <see cref="AccessOptions.AllowAnonymous"/>. The readable streams come from <see cref="AccessOptions.Rules"/>;
/// a caller who may read nothing gets 403.
/// </summary>
public sealed partial class StreamAccess(
    IOptions<AccessOptions> options,
    BearerTokenValidator bearer,
    StreamTokens streamTokens,
    ILogger<StreamAccess> logger)
{
    private readonly StreamSet _anonymous = StreamSet.Of(options.Value.AnonymousStreams.Select(StreamPattern.Parse));
    private AccessDecision? _anonymousGrant;

    /// <summary>Decides who the caller is and what it may read.</summary>
    /// <remarks>A <see cref="ValueTask{TResult}"/>: the anonymous and principal-header answers complete at once (negotiate's hot path).</remarks>
    public async ValueTask<AccessDecision> DecideAsync(AccessRequest request, CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (request.Authorization is { Length: > 0 } authorization)
        {
            if (!authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                return Refuse(401, "The Authorization header must be a bearer token.");
            }

            var token = authorization["Bearer ".Length..].Trim();
            var identity = bearer.Enabled ? await bearer.ValidateAsync(token, cancellationToken) : null;
            if (identity is null)
            {
                // A SignalR client token or another app's token may reach us; a stream token is accepted here too.
                if (await streamTokens.ValidateAsync(token) is { } minted)
                {
                    return Grant(minted.Identity, minted.Readable);
                }

                Log.Refused(logger, "bearer", 401);
                return Refuse(401, bearer.Enabled ? "The bearer token is not valid (issuer, audience, signature or lifetime)." : "Bearer tokens are not accepted here (Access:Bearer is not configured).");
            }

            return Grant(identity, ReadableBy(identity));
        }

        if (request.StreamToken is { Length: > 0 } streamToken)
        {
            if (await streamTokens.ValidateAsync(streamToken) is { } minted)
            {
                return Grant(minted.Identity, minted.Readable);
            }

            Log.Refused(logger, "stream-token", 401);
            return Refuse(401, "The stream token is not valid or has expired: negotiate again for a new one.");
        }

        if (o.TrustAppServicePrincipal == true && AppServicePrincipal.Read(request.AppServicePrincipal, request.AppServicePrincipalId) is { } principal)
        {
            return Grant(principal, ReadableBy(principal));
        }

        if (o.AllowAnonymous == true)
        {
            return _anonymousGrant ??= Grant(CallerIdentity.Anonymous, _anonymous);
        }

        return Refuse(401, "Sign in first: this endpoint needs an authenticated caller (anonymous access is off: Access:AllowAnonymous, or SignalR:AllowAnonymous when that is unset).");
    }

    /// <summary>The streams <paramref name="identity"/> may read.</summary>
    public StreamSet ReadableBy(CallerIdentity identity)
    {
        if (!identity.IsAuthenticated)
        {
            return options.Value.AllowAnonymous == true ? _anonymous : StreamSet.None;
        }

        var rules = options.Value.Rules;
        if (rules.Count == 0)
        {
            return StreamSet.All;
        }

        var patterns = new List<StreamPattern>();
        foreach (var rule in rules)
        {
            var matches = rule.Role is { Length: > 0 } role
                ? identity.Roles.Contains(role, StringComparer.Ordinal)
                : identity.Claims.Any(c => c.Key == rule.ClaimType && (rule.ClaimValue is null || c.Value == rule.ClaimValue));
            if (matches)
            {
                patterns.AddRange(rule.Streams.Select(StreamPattern.Parse));
            }
        }

        return StreamSet.Of(patterns);
    }

    private static AccessDecision Grant(CallerIdentity identity, StreamSet readable) =>
        readable.IsEmpty
            ? new AccessDecision(403, identity, StreamSet.None, "You are signed in but may read no stream (no rule in Access:Rules grants you one).")
            : new AccessDecision(200, identity, readable, null);

    private static AccessDecision Refuse(int status, string reason) => new(status, CallerIdentity.Anonymous, StreamSet.None, reason);

    private static partial class Log
    {
        [LoggerMessage(EventId = 6201, EventName = "AccessRefused", Level = LogLevel.Information, Message = "Read refused ({Status}): invalid {Credential} credentials")]
        public static partial void Refused(ILogger logger, string credential, int status);
    }
}
