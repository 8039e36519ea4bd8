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
        var proto = request.Headers["X-Forwarded-Proto"].FirstOrDefault();
        var host = request.Headers["X-Forwarded-Host"].FirstOrDefault();
        proto = proto is "http" or "https" ? proto : request.Scheme;
        host = InputLimits.IsVisibleAscii(host, 255) && host!.IndexOfAny(['/', '@', '\\', '?', '#']) < 0 ? host : request.Host.Value;
        return $"{proto}://{host}";
    }

    /// <summary>An absolute URL of a sibling route: <c>/api/negotiate</c> + <c>events</c> → <c>{origin}/api/events</c>.</summary>
    public static string SiblingUrl(this HttpRequest request, string route)
    {
        var path = request.PathBase.Add(request.Path).Value ?? "/";
        var parent = path[..(path.LastIndexOf('/') + 1)];
        return $"{request.OwnOrigin()}{parent}{route}";
    }
}
