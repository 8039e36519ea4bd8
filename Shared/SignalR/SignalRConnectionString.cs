using System.Globalization;
using System.Text.RegularExpressions;

namespace FunctionsDashboard.SignalR;

/// <summary>
/// An Azure SignalR Service connection string (<c>Endpoint=https://x.service.signalr.net;AccessKey=...;Version=1.0;</c>),
/// parsed with the SDK's grammar: <c>Key=Value</c> pairs separated by <c>;</c>, case-insensitive keys, an absolute
/// http(s) <c>Endpoint</c>, <c>Version</c> 1.x, optional <c>Port</c>, <c>ClientEndpoint</c> and <c>ServerEndpoint</c>.
/// Microsoft Entra ID instead of a key, as in Microsoft.Azure.SignalR: <c>AuthType=azure.msi</c> (managed identity,
/// <c>ClientId=</c> for a user-assigned one), <c>AuthType=azure</c> (the default Azure credential chain) or
/// <c>AuthType=azure.app</c> (<c>ClientId</c>, <c>TenantId</c>, <c>ClientSecret</c>), with no <c>AccessKey</c>.
/// Error messages never echo a key or secret.
/// </summary>
public sealed partial record SignalRConnectionString
{
    /// <summary><c>AuthType</c> values.</summary>
    public const string AuthTypeAzure = "azure", AuthTypeManagedIdentity = "azure.msi", AuthTypeApplication = "azure.app";

    private SignalRConnectionString(Uri endpoint, string? accessKey, string version, Uri clientEndpoint, Uri serverEndpoint, string? authType, string? clientId, string? tenantId, string? clientSecret)
    {
        Endpoint = endpoint;
        AccessKey = accessKey;
        Version = version;
        ClientEndpoint = clientEndpoint;
        ServerEndpoint = serverEndpoint;
        AuthType = authType;
        ClientId = clientId;
        TenantId = tenantId;
        ClientSecret = clientSecret;
    }

    /// <summary>Null for access-key auth; else <see cref="AuthTypeAzure"/>, <see cref="AuthTypeManagedIdentity"/> or <see cref="AuthTypeApplication"/>.</summary>
    public string? AuthType { get; }

    /// <summary>Whether tokens are obtained through Microsoft Entra ID (no access key).</summary>
    public bool UsesEntra => AuthType is not null;

    /// <summary>Client id of a user-assigned managed identity, or of the application (<c>azure.app</c>).</summary>
    public string? ClientId { get; }

    /// <summary>Tenant of the application (<c>azure.app</c>).</summary>
    public string? TenantId { get; }

    /// <summary>Secret of the application (<c>azure.app</c>). Never log it.</summary>
    public string? ClientSecret { get; }

    /// <summary>
    /// The keys upstream <c>X-ASRS-Signature</c> values are checked against: the access key; none under Entra (a resource
    /// with local auth disabled has no keys to sign with; the upstream URL's function key guards the route then).
    /// </summary>
    public IReadOnlyList<string> UpstreamSignatureKeys => AccessKey is { } key ? [key] : [];

    /// <summary>The Service endpoint (with the <c>Port</c> applied), without a trailing slash.</summary>
    public Uri Endpoint { get; }

    /// <summary>The access key that signs client and REST tokens; null under Entra. Never log it.</summary>
    public string? AccessKey { get; }

    /// <summary>The protocol version (1.x).</summary>
    public string Version { get; }

    /// <summary>The endpoint handed to clients (<c>ClientEndpoint</c>, else <see cref="Endpoint"/>).</summary>
    public Uri ClientEndpoint { get; }

    /// <summary>The endpoint for REST calls (<c>ServerEndpoint</c>, else <see cref="Endpoint"/>).</summary>
    public Uri ServerEndpoint { get; }

    /// <summary>Parses a connection string; throws <see cref="FormatException"/> naming what is wrong (never the key).</summary>
    public static SignalRConnectionString Parse(string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new FormatException("The SignalR connection string is empty.");
        }

        var pairs = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new FormatException($"The SignalR connection string has a part without 'Key=Value' form (part {pairs.Count + 1}).");
            }

            var key = part[..eq].Trim();
            if (!pairs.TryAdd(key, part[(eq + 1)..].Trim()))
            {
                throw new FormatException($"The SignalR connection string has '{key}' more than once.");
            }
        }

        if (pairs.Count < 2)
        {
            throw new FormatException("The SignalR connection string needs at least Endpoint and AccessKey.");
        }

        string? authType = null;
        if (pairs.TryGetValue("AuthType", out var authTypeText) && !string.IsNullOrEmpty(authTypeText))
        {
            authType = authTypeText.ToLowerInvariant() switch
            {
                AuthTypeAzure => AuthTypeAzure,
                AuthTypeManagedIdentity => AuthTypeManagedIdentity,
                AuthTypeApplication => AuthTypeApplication,
                _ => throw new FormatException($"The SignalR connection string's AuthType '{authTypeText}' is not supported: use azure.msi (managed identity), azure (default credential chain) or azure.app, or an AccessKey without AuthType."),
            };
        }

        var endpoint = ParseEndpoint(pairs, "Endpoint", required: true)!;
        if (pairs.TryGetValue("Port", out var portText))
        {
            if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            {
                throw new FormatException("The SignalR connection string's Port must be an integer from 1 to 65535.");
            }

            endpoint = new UriBuilder(endpoint) { Port = port }.Uri;
        }

        pairs.TryGetValue("AccessKey", out var accessKey);
        pairs.TryGetValue("ClientId", out var clientId);
        pairs.TryGetValue("TenantId", out var tenantId);
        pairs.TryGetValue("ClientSecret", out var clientSecret);
        if (authType is not null)
        {
            if (!string.IsNullOrEmpty(accessKey))
            {
                throw new FormatException($"The SignalR connection string has both AuthType={authType} and an AccessKey; give one of them.");
            }

            if (authType == AuthTypeApplication && (string.IsNullOrEmpty(clientId) || string.IsNullOrEmpty(tenantId) || string.IsNullOrEmpty(clientSecret)))
            {
                throw new FormatException("The SignalR connection string's AuthType=azure.app needs ClientId, TenantId and ClientSecret.");
            }

            accessKey = null;
        }
        else if (string.IsNullOrEmpty(accessKey))
        {
            throw new FormatException("The SignalR connection string has no AccessKey (or give AuthType=azure.msi to use a managed identity).");
        }
        else if (accessKey.Length < 32)
        {
            throw new FormatException("The SignalR connection string's AccessKey is too short (HS256 needs at least 32 characters).");
        }

        var version = pairs.TryGetValue("Version", out var v) ? v : "1.0";
        if (!VersionPattern().IsMatch(version))
        {
            throw new FormatException($"The SignalR connection string's Version '{version}' is not supported (expected 1.x).");
        }

        var clientEndpoint = ParseEndpoint(pairs, "ClientEndpoint", required: false) ?? endpoint;
        var serverEndpoint = ParseEndpoint(pairs, "ServerEndpoint", required: false) ?? endpoint;
        return new SignalRConnectionString(endpoint, accessKey, version, clientEndpoint, serverEndpoint, authType,
            string.IsNullOrEmpty(clientId) ? null : clientId, string.IsNullOrEmpty(tenantId) ? null : tenantId, string.IsNullOrEmpty(clientSecret) ? null : clientSecret);
    }

    /// <summary>Like <see cref="Parse"/>, without throwing.</summary>
    public static bool TryParse(string? connectionString, out SignalRConnectionString? result, out string? error)
    {
        try
        {
            result = Parse(connectionString);
            error = null;
            return true;
        }
        catch (FormatException e)
        {
            result = null;
            error = e.Message;
            return false;
        }
    }

    /// <summary>A safe description (endpoint only) for logs and errors.</summary>
    public override string ToString() => UsesEntra ? $"Endpoint={Endpoint};AuthType={AuthType};Version={Version}" : $"Endpoint={Endpoint};AccessKey=***;Version={Version}";

    private static Uri? ParseEndpoint(Dictionary<string, string> pairs, string key, bool required)
    {
        if (!pairs.TryGetValue(key, out var text) || string.IsNullOrEmpty(text))
        {
            return required ? throw new FormatException($"The SignalR connection string has no {key}.") : null;
        }

        if (!Uri.TryCreate(text.TrimEnd('/'), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new FormatException($"The SignalR connection string's {key} must be an absolute http or https URL.");
        }

        return uri;
    }

    [GeneratedRegex(@"^1\.\d+(\.\d+)?$")]
    private static partial Regex VersionPattern();
}
