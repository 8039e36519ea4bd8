using System.Buffers;
using FunctionsDashboard.Hardening;
using Microsoft.AspNetCore.Http;

namespace FunctionsDashboard.Functions.Hosting;

/// <summary>Request helpers shared by the HTTP functions.</summary>
public static class HttpExtensions
{
    /// <summary>
    /// Reads the body up to <paramref name="maxBytes"/>; null when it is longer (answer 413). Reads the stream rather
    /// than trusting Content-Length.
    /// </summary>
    public static async Task<byte[]?> ReadBodyAsync(this HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBytes)
        {
            return null;
        }

        var buffer = new ArrayBufferWriter<byte>(Math.Min((int)(request.ContentLength ?? 4096), maxBytes) + 1);
        while (true)
        {
            var memory = buffer.GetMemory(8192);
            var read = await request.Body.ReadAsync(memory, cancellationToken);
            if (read == 0)
            {
                return buffer.WrittenMemory.ToArray();
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > maxBytes)
            {
                return null;
            }
        }
    }

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
