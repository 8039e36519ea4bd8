namespace FunctionsDashboard.SignalR;

/// <summary>
/// Whether a token's <c>aud</c> names the URL it is used on, in the forms the Service's own SDKs mint: the exact URL
/// (what the data-plane docs ask for), the URL without the port (<c>AudienceBaseUrl = scheme://host/</c> in
/// Microsoft.Azure.SignalR's ServiceEndpoint), and, for REST calls, the URL with its query (the Management SDK signs
/// <c>…/:send?api-version=2022-06-01</c>). Scheme, host and path must match (host and scheme case-insensitively, a
/// trailing slash ignored); a client URL's query (<c>?hub=</c>) must match too.
/// </summary>
public static class SignalRAudience
{
    /// <summary>True when <paramref name="audience"/> is acceptable for a request to <paramref name="expected"/>.</summary>
    public static bool Matches(string? audience, string expected)
    {
        if (string.IsNullOrEmpty(audience)
            || !Uri.TryCreate(audience, UriKind.Absolute, out var aud)
            || !Uri.TryCreate(expected, UriKind.Absolute, out var want))
        {
            return false;
        }

        if (!string.Equals(aud.Scheme, want.Scheme, StringComparison.OrdinalIgnoreCase)
            || !string.Equals(aud.Host, want.Host, StringComparison.OrdinalIgnoreCase)
            || (aud.Port != want.Port && !aud.IsDefaultPort)
            || !string.Equals(aud.AbsolutePath.TrimEnd('/'), want.AbsolutePath.TrimEnd('/'), StringComparison.Ordinal))
        {
            return false;
        }

        // A client URL carries its hub in the query, which must match; a REST URL has none, and the SDK's query is ignored.
        return string.IsNullOrEmpty(want.Query) || string.Equals(aud.Query, want.Query, StringComparison.OrdinalIgnoreCase);
    }
}
