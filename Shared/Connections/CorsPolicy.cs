namespace FunctionsDashboard.Connections;

/// <summary>What CORS allows for one request.</summary>
/// <param name="Allowed">Whether the origin may call.</param>
/// <param name="AllowOrigin">The <c>Access-Control-Allow-Origin</c> value (null: send no CORS headers).</param>
/// <param name="AllowCredentials">Whether to send <c>Access-Control-Allow-Credentials: true</c>.</param>
public sealed record CorsDecision(bool Allowed, string? AllowOrigin, bool AllowCredentials);

/// <summary>
/// The negotiate endpoint's CORS rules: no <c>Origin</c> (non-browser) or the app's own origin is always allowed;
/// otherwise the origin must be on the allow-list. Exact origins get credentials; <c>*</c> allows any origin without
/// credentials (browsers reject a wildcard with credentials).
/// </summary>
public static class CorsPolicy
{
    /// <summary>Decides for <paramref name="origin"/> calling an app at <paramref name="ownOrigin"/>.</summary>
    public static CorsDecision Evaluate(string? origin, string ownOrigin, IEnumerable<string> allowedOrigins)
    {
        if (string.IsNullOrEmpty(origin))
        {
            return new CorsDecision(true, null, false);
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
