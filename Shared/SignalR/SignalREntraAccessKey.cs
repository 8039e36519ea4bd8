using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Azure.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.SignalR;

/// <summary>
/// Client-token signing under Microsoft Entra ID, the way Microsoft.Azure.SignalR's <c>MicrosoftEntraAccessKey</c> does
/// it when the connection string has <c>AuthType</c> and no access key: get an Entra token for scope
/// <see cref="Scope"/>, <c>GET {ServerEndpoint}/api/v1/auth/accessKey</c> with it as the bearer, and sign client tokens
/// with the returned <c>AccessKey</c> and its <c>KeyId</c> as <c>kid</c>. The key is fetched again after
/// <see cref="RefreshInterval"/> (55 min), after <see cref="RetryAfterFailure"/> (5 min) when a fetch failed, and is not
/// used once it is <see cref="KeyLifetime"/> (120 min) old. The first fetch is a startup step, so negotiate (503 until
/// ready) never needs a key that is not there; later fetches run in the background, one at a time. REST calls do not
/// use the key: they carry the Entra token itself (<see cref="GetEntraTokenAsync"/>), as the SDK's REST client does.
/// The identity needs the "SignalR App Server" role on the resource.
/// </summary>
public sealed partial class SignalREntraAccessKey(
    HttpClient http,
    SignalRCredential credential,
    IOptions<SignalROptions> options,
    TimeProvider timeProvider,
    ILogger<SignalREntraAccessKey> logger)
{
    /// <summary>The named HttpClient for the access-key endpoint.</summary>
    public const string HttpClientName = "signalr-entra";

    /// <summary>The scope Entra tokens for Azure SignalR Service are requested for.</summary>
    public const string Scope = "https://signalr.azure.com/.default";

    /// <summary>The Service's endpoint that hands out a signing key to an Entra principal.</summary>
    public const string AccessKeyPath = "/api/v1/auth/accessKey";

    /// <summary>How often the key is fetched again (the SDK's 55 min).</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromMinutes(55);

    /// <summary>Wait after a failed fetch before the next one (the SDK's 5 min).</summary>
    public static readonly TimeSpan RetryAfterFailure = TimeSpan.FromMinutes(5);

    /// <summary>A key older than this is not used (the SDK's 120 min).</summary>
    public static readonly TimeSpan KeyLifetime = TimeSpan.FromMinutes(120);

    private static readonly TokenRequestContext TokenRequest = new([Scope]);
    private readonly Lock _gate = new();
    private (SignalRSigningKey Key, DateTimeOffset FetchedAt)? _current;
    private DateTimeOffset _lastAttempt = DateTimeOffset.MinValue;
    private Task? _refreshing;

    /// <summary>An Entra token for the Service (cached by Azure.Identity until shortly before it expires).</summary>
    public async ValueTask<string> GetEntraTokenAsync(CancellationToken cancellationToken) =>
        (await credential.Value.GetTokenAsync(TokenRequest, cancellationToken)).Token;

    /// <summary>
    /// The key to sign client tokens with; starts a background refresh when it is due. Throws
    /// <see cref="SignalRAuthUnavailableException"/> when no usable key is there.
    /// </summary>
    public SignalRSigningKey Current
    {
        get
        {
            var now = timeProvider.GetUtcNow();
            var current = _current;
            if (current is null || now - current.Value.FetchedAt >= RefreshInterval)
            {
                StartRefreshIfDue(now);
            }

            return current is { } c && now - c.FetchedAt < KeyLifetime
                ? c.Key
                : throw new SignalRAuthUnavailableException("No SignalR signing key: fetching it with the managed identity has not succeeded (see the earlier warning; the identity needs the 'SignalR App Server' role).");
        }
    }

    /// <summary>Fetches a key now (the startup step, and the background refresh). Throws when the Service refuses.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        _lastAttempt = timeProvider.GetUtcNow();
        var url = new Uri(options.Value.Connection.ServerEndpoint.AbsoluteUri.TrimEnd('/') + AccessKeyPath);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await GetEntraTokenAsync(cancellationToken));
        using var response = await http.SendAsync(request, cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            var hint = response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden ? " (does the identity hold the 'SignalR App Server' role?)" : "";
            throw new SignalRRestException(response.StatusCode, $"SignalR Service answered {(int)response.StatusCode} to GET {AccessKeyPath}{hint}.", null);
        }

        using var body = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(cancellationToken));
        var keyId = Property(body.RootElement, "KeyId");
        var accessKey = Property(body.RootElement, "AccessKey");
        if (string.IsNullOrEmpty(keyId) || string.IsNullOrEmpty(accessKey))
        {
            throw new SignalRAuthUnavailableException($"The answer of GET {AccessKeyPath} lacks KeyId or AccessKey.");
        }

        var key = SignalRSigningKey.Issued(keyId, accessKey);
        lock (_gate)
        {
            _current = (key, timeProvider.GetUtcNow());
        }

        Log.KeyFetched(logger, keyId);
    }

    private void StartRefreshIfDue(DateTimeOffset now)
    {
        lock (_gate)
        {
            if (_refreshing is { IsCompleted: false } || now - _lastAttempt < RetryAfterFailure)
            {
                return;
            }

            _lastAttempt = now;
            _refreshing = Task.Run(async () =>
            {
                try
                {
                    await RefreshAsync(CancellationToken.None);
                }
                catch (Exception e) when (e is HttpRequestException or SignalRRestException or SignalRAuthUnavailableException or JsonException or Azure.Identity.AuthenticationFailedException or OperationCanceledException)
                {
                    Log.RefreshFailed(logger, e.Message);
                }
            });
        }
    }

    private static string? Property(JsonElement root, string name)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        foreach (var p in root.EnumerateObject())
        {
            if (string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase) && p.Value.ValueKind == JsonValueKind.String)
            {
                return p.Value.GetString();
            }
        }

        return null;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3110, EventName = "SignalRAccessKeyFetched", Level = LogLevel.Information, Message = "SignalR signing key {KeyId} fetched with the managed identity")]
        public static partial void KeyFetched(ILogger logger, string keyId);

        [LoggerMessage(EventId = 3111, EventName = "SignalRAccessKeyRefreshFailed", Level = LogLevel.Warning, Message = "Could not refresh the SignalR signing key ({Error}); the current one is used until it is 120 min old")]
        public static partial void RefreshFailed(ILogger logger, string error);
    }
}
