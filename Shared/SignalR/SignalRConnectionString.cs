using System.Globalization;
using System.Text.RegularExpressions;

namespace FunctionsDashboard.SignalR;

/// <summary>
/// An Azure SignalR Service connection string (<c>Endpoint=https://x.service.signalr.net;AccessKey=...;Version=1.0;</c>),
/// parsed with the SDK's grammar: <c>Key=Value</c> pairs separated by <c>;</c>, case-insensitive keys, an absolute
/// http(s) <c>Endpoint</c>, <c>Version</c> 1.x, optional <c>Port</c>, <c>ClientEndpoint</c> and <c>ServerEndpoint</c>.
/// Error messages never echo the access key.
/// </summary>
public sealed partial record SignalRConnectionString
{
    private SignalRConnectionString(Uri endpoint, string accessKey, string version, Uri clientEndpoint, Uri serverEndpoint)
    {
        Endpoint = endpoint;
        AccessKey = accessKey;
        Version = version;
        ClientEndpoint = clientEndpoint;
        ServerEndpoint = serverEndpoint;
    }

    /// <summary>The Service endpoint (with the <c>Port</c> applied), without a trailing slash.</summary>
    public Uri Endpoint { get; }

    /// <summary>The access key that signs client and REST tokens. Never log it.</summary>
    public string AccessKey { get; }

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

        if (pairs.TryGetValue("AuthType", out var authType) && !string.IsNullOrEmpty(authType))
        {
            throw new FormatException($"The SignalR connection string uses AuthType={authType}; this app signs tokens with an access key, so give Endpoint and AccessKey (no AuthType).");
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

        if (!pairs.TryGetValue("AccessKey", out var accessKey) || string.IsNullOrEmpty(accessKey))
        {
            throw new FormatException("The SignalR connection string has no AccessKey.");
        }

        if (accessKey.Length < 32)
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
        return new SignalRConnectionString(endpoint, accessKey, version, clientEndpoint, serverEndpoint);
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
    public override string ToString() => $"Endpoint={Endpoint};AccessKey=***;Version={Version}";

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
