using FunctionsDashboard.Functions.Access;
using FunctionsDashboard.Hardening;
using Microsoft.AspNetCore.Http;

namespace FunctionsDashboard.Functions.Hosting;

/// <summary>Request helpers shared by the HTTP functions.</summary>
public static class HttpExtensions
{
    /// <summary>The app's own origin (<c>scheme://host[:port]</c>) as the caller sees it.</summary>
    /// <remarks>
    /// <c>X-Forwarded-Proto</c>/<c>-Host</c> are used only when they can be an origin's parts (http/https; a host of
    /// visible ASCII without <c>/</c>, <c>@</c> or spaces): anything else falls back to the request's own.
    /// </remarks>
    public static string OwnOrigin(this HttpRequest request)
    {
        var (proto, host) = Origin(request);
        return $"{proto}://{host}";
    }

    /// <summary>An absolute URL of a sibling route: <c>/api/negotiate</c> + <c>events</c> → <c>{origin}/api/events</c>.</summary>
    /// <remarks>
    /// Negotiate asks for the same URL on every call (its SSE fallback): the last one built is handed out again while
    /// the origin, path and route are the same (compared, not rebuilt; docs/benchmarks.md, negotiate).
    /// </remarks>
    public static string SiblingUrl(this HttpRequest request, string route)
    {
        var (proto, host) = Origin(request);
        var pathBase = request.PathBase.Value ?? string.Empty;
        var path = request.Path.Value ?? string.Empty;
        if (s_lastSibling is { } last && last.Matches(proto, host, pathBase, path, route))
        {
            return last.Url;
        }

        var full = string.IsNullOrEmpty(pathBase) ? (path.Length == 0 ? "/" : path) : pathBase + path;
        var url = $"{proto}://{host}{full.AsSpan(0, full.LastIndexOf('/') + 1)}{route}";
        s_lastSibling = new SiblingUrlCache(proto, host, pathBase, path, route, url);
        return url;
    }

    private static SiblingUrlCache? s_lastSibling;

    /// <summary>The scheme and host the caller used: <c>X-Forwarded-Proto</c>/<c>-Host</c> when valid, else the request's own.</summary>
    private static (string Proto, string Host) Origin(HttpRequest request)
    {
        var headers = request.Headers;
        var proto = AccessHttp.First(headers["X-Forwarded-Proto"]);
        var host = AccessHttp.First(headers["X-Forwarded-Host"]);
        proto = proto is "http" or "https" ? proto : request.Scheme;
        host = InputLimits.IsVisibleAscii(host, 255) && host!.IndexOfAny(['/', '@', '\\', '?', '#']) < 0 ? host : request.Host.Value ?? string.Empty;
        return (proto, host);
    }

    /// <summary>The last sibling URL built, with what it was built from (one reference, so readers never see half of it).</summary>
    private sealed record SiblingUrlCache(string Proto, string Host, string PathBase, string Path, string Route, string Url)
    {
        public bool Matches(string proto, string host, string pathBase, string path, string route) =>
            string.Equals(Proto, proto, StringComparison.Ordinal) && string.Equals(Host, host, StringComparison.Ordinal)
            && string.Equals(PathBase, pathBase, StringComparison.Ordinal) && string.Equals(Path, path, StringComparison.Ordinal)
            && string.Equals(Route, route, StringComparison.Ordinal);
    }
}
