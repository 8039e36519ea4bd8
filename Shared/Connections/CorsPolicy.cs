using FunctionsDashboard.Hardening;

namespace FunctionsDashboard.Connections;

/// <summary>
/// The negotiate endpoint's CORS rules: no <c>Origin</c> (non-browser) or the app's own origin is always allowed;
/// otherwise the origin must be on the allow-list. Exact origins get credentials; <c>*</c> allows any origin without
/// credentials (browsers reject a wildcard with credentials).
/// </summary>
public static class CorsPolicy
{
    /// <summary>Longest <c>Origin</c> considered (scheme, host and port; browsers send far less).</summary>
    public const int MaxOriginLength = 512;

    /// <summary>Request headers a preflight is granted when it names none (or none that can be echoed).</summary>
    public const string DefaultAllowHeaders = "authorization, content-type, x-requested-with, x-signalr-user-agent";

    /// <summary>Most header names echoed from one <c>Access-Control-Request-Headers</c>.</summary>
    public const int MaxAllowHeaders = 32;

    /// <summary>
    /// The <c>Access-Control-Allow-Headers</c> answer to a preflight's <c>Access-Control-Request-Headers</c>: the
    /// requested names that are valid header names (RFC 9110 tokens, at most 64 characters, at most
    /// <see cref="MaxAllowHeaders"/>), lower-cased; anything else is dropped, and <see cref="DefaultAllowHeaders"/> is
    /// granted when nothing is left. Never echoes a value Kestrel cannot write.
    /// </summary>
    public static string AllowHeaders(string? requested)
    {
        if (string.IsNullOrWhiteSpace(requested))
        {
            return DefaultAllowHeaders;
        }

        var names = new List<string>();
        foreach (var part in requested.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (HeaderValue.IsToken(part) && names.Count < MaxAllowHeaders)
            {
                var name = part.ToLowerInvariant();
                if (!names.Contains(name))
                {
                    names.Add(name);
                }
            }
        }

        return names.Count == 0 ? DefaultAllowHeaders : string.Join(", ", names);
    }

    /// <summary>The decision for a request without <c>Origin</c> (not a cross-origin browser call): allowed, no CORS headers.</summary>
    public static CorsDecision NoOrigin { get; } = new(true, null, false);

    /// <summary>Decides for <paramref name="origin"/> calling an app at <paramref name="ownOrigin"/>.</summary>
    public static CorsDecision Evaluate(string? origin, string ownOrigin, IEnumerable<string> allowedOrigins)
    {
        if (string.IsNullOrEmpty(origin))
        {
            return NoOrigin;
        }

        // An origin is echoed into Access-Control-Allow-Origin: one that cannot be a header value is no browser's origin.
        if (!HeaderValue.IsEchoable(origin, MaxOriginLength))
        {
            return new CorsDecision(false, null, false);
        }

        if (string.Equals(origin, ownOrigin, StringComparison.OrdinalIgnoreCase))
        {
            return new CorsDecision(true, origin, true);
        }

        var list = allowedOrigins.ToList();
        if (list.Any(a => string.Equals(a.TrimEnd('/'), origin, StringComparison.OrdinalIgnoreCase)))
        {
            return new CorsDecision(true, origin, true);
        }

        return list.Contains("*") ? new CorsDecision(true, "*", false) : new CorsDecision(false, null, false);
    }
}
