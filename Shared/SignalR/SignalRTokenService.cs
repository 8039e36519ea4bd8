using System.Security.Claims;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace FunctionsDashboard.SignalR;

/// <summary>
/// Issues the tokens Azure SignalR Service accepts. Client access tokens: HS256, <c>aud</c> = the client URL
/// <c>{endpoint}/client/?hub={hub}</c>, <c>nameid</c> = user id, signed with the access key (kid = a hash of it) or,
/// under Microsoft Entra ID, with the key <see cref="SignalREntraAccessKey"/> fetched (kid = its KeyId). REST tokens:
/// with an access key, HS256 with <c>aud</c> = the request URL without query; under Entra, the Entra token itself.
/// The access-key signing key and the client URL per hub are built once (see docs/benchmarks.md, negotiate).
/// </summary>
public sealed class SignalRTokenService(IOptions<SignalROptions> options, TimeProvider timeProvider, SignalREntraAccessKey? entra = null)
{
    /// <summary>The user id claim the Service reads.</summary>
    public const string UserIdClaim = "nameid";

    private SignalRSigningKey? _accessKey;
    private ClientUrlCache? _clientUrl;

    /// <summary>The URL clients connect to for <paramref name="hub"/>: <c>{ClientEndpoint}/client/?hub={hub lower-cased}</c>.</summary>
    public string ClientUrl(string hub)
    {
        if (_clientUrl is { } cached && string.Equals(cached.Hub, hub, StringComparison.Ordinal))
        {
            return cached.Url;
        }

        var url = $"{options.Value.Connection.ClientEndpoint.AbsoluteUri.TrimEnd('/')}/client/?hub={hub.ToLowerInvariant()}";
        _clientUrl = new ClientUrlCache(hub, url);
        return url;
    }

    /// <summary>
    /// A client access token for the hub, valid for <see cref="SignalROptions.AccessTokenLifetime"/>. Under Entra,
    /// throws <see cref="SignalRAuthUnavailableException"/> while no signing key is there (negotiate is not ready then).
    /// </summary>
    public string CreateClientToken(string hub, string? userId, IEnumerable<Claim>? extraClaims = null) =>
        CreateClientToken(hub, userId, extraClaims is null ? [] : [.. extraClaims.Select(c => new KeyValuePair<string, string>(c.Type, c.Value))]);

    /// <summary>A client access token with string claims (type, value) before the user id; see the other overload.</summary>
    public string CreateClientToken(string hub, string? userId, IReadOnlyList<KeyValuePair<string, string>> extraClaims)
    {
        IReadOnlyList<KeyValuePair<string, string>> claims = string.IsNullOrEmpty(userId) ? extraClaims : [.. extraClaims, new(UserIdClaim, userId)];
        return ClientSigningKey().CreateToken(ClientUrl(hub), timeProvider.GetUtcNow(), options.Value.AccessTokenLifetime, claims);
    }

    /// <summary>A REST token whose audience is <paramref name="requestUrl"/> without its query string (access-key auth only).</summary>
    public string CreateRestToken(Uri requestUrl)
    {
        var audience = requestUrl.GetLeftPart(UriPartial.Path).TrimEnd('/');
        return AccessSigningKey().CreateToken(audience, timeProvider.GetUtcNow(), options.Value.AccessTokenLifetime, []);
    }

    /// <summary>The bearer token for a REST call to <paramref name="requestUrl"/>: a signed REST token, or under Entra the Entra token.</summary>
    public ValueTask<string> CreateRestTokenAsync(Uri requestUrl, CancellationToken cancellationToken) =>
        options.Value.Connection.UsesEntra
            ? (entra ?? throw new InvalidOperationException("SignalR uses Microsoft Entra ID but no SignalREntraAccessKey is registered.")).GetEntraTokenAsync(cancellationToken)
            : ValueTask.FromResult(CreateRestToken(requestUrl));

    /// <summary>The <c>kid</c> for a plain access key: a short hash, so tokens never reveal the key.</summary>
    public static string KeyId(string accessKey) => SignalRSigningKey.AccessKeyId(accessKey);

    /// <summary>The signing key for an access key.</summary>
    public static SymmetricSecurityKey SigningKey(string accessKey) => SignalRSigningKey.FromAccessKey(accessKey).SecurityKey;

    private SignalRSigningKey ClientSigningKey() =>
        options.Value.Connection.UsesEntra
            ? (entra ?? throw new InvalidOperationException("SignalR uses Microsoft Entra ID but no SignalREntraAccessKey is registered.")).Current
            : AccessSigningKey();

    private SignalRSigningKey AccessSigningKey() =>
        _accessKey ??= SignalRSigningKey.FromAccessKey(options.Value.Connection.AccessKey
            ?? throw new InvalidOperationException("The SignalR connection string has no AccessKey (it uses Microsoft Entra ID)."));

    private sealed record ClientUrlCache(string Hub, string Url);
}
