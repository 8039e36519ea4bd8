using System.Globalization;
using System.Security.Claims;
using System.Text.RegularExpressions;
using FunctionsDashboard.SignalR;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace FunctionsDashboard.DevHost.LocalSignalR;

/// <summary>
/// Guards the client endpoints (<c>/localsignalr/client/negotiate</c> and the transports) as the Service does: the
/// <c>hub</c> query names a valid hub, and the access token (<c>Authorization: Bearer</c>, or the <c>access_token</c>
/// query that WebSockets and SSE clients send) is signed with an access key or a key issued to an Entra principal
/// (<see cref="LocalSignalRKeys"/>), has <c>aud</c> = the client URL <c>{endpoint}/client/?hub={hub}</c> (with or
/// without the port, <see cref="SignalRAudience"/>) and has not expired; else 401. While offline: 503 with <c>Retry-After</c>.
/// </summary>
internal static partial class LocalClientAuthentication
{
    /// <summary>The Service's custom user id claim, which wins over <c>nameid</c>.</summary>
    public const string CustomUserIdClaim = "asrs.s.uid";

    /// <summary>Wraps a client endpoint's request delegate with the checks.</summary>
    public static RequestDelegate Guard(RequestDelegate next) => context => InvokeAsync(context, next);

    /// <summary>The hub of a client request: the <c>hub</c> query value, lower-cased; null when missing or malformed.</summary>
    public static string? HubOf(HttpRequest request) =>
        request.Query["hub"].ToString() is { Length: > 0 } hub && HubName().IsMatch(hub) ? hub.ToLowerInvariant() : null;

    /// <summary>The user id of a validated principal: <c>asrs.s.uid</c>, else <c>nameid</c>.</summary>
    public static string? UserIdOf(ClaimsPrincipal user) =>
        user.FindFirst(CustomUserIdClaim)?.Value ?? user.FindFirst(SignalRTokenService.UserIdClaim)?.Value;

    /// <summary>The claims as the Service lists them upstream: <c>type: value</c>.</summary>
    public static IReadOnlyList<string> ClaimStrings(ClaimsPrincipal user) =>
        user.Claims.Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Type}: {c.Value}")).ToList();

    /// <summary>Whether <paramref name="name"/> is a valid hub name (a letter, then letters, digits or <c>_</c>).</summary>
    public static bool IsHubName(string name) => HubName().IsMatch(name);

    private static async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var services = context.RequestServices;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(LocalClientAuthentication).FullName!);
        var faults = services.GetRequiredService<LocalSignalRFaults>();
        if (faults.Current.Offline)
        {
            LocalSignalRLog.ClientRefused(logger, HubOf(context.Request), StatusCodes.Status503ServiceUnavailable, "the Service is offline (fault knob)");
            context.Response.Headers.RetryAfter = faults.Current.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            await WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "The local SignalR Service is offline.");
            return;
        }

        var hub = HubOf(context.Request);
        if (hub is null)
        {
            LocalSignalRLog.ClientRefused(logger, null, StatusCodes.Status400BadRequest, "no valid 'hub' query parameter");
            await WriteAsync(context, StatusCodes.Status400BadRequest, "The 'hub' query parameter is missing or not a valid hub name.");
            return;
        }

        var tokens = services.GetRequiredService<SignalRTokenService>();
        var validator = services.GetRequiredService<SignalRTokenValidator>();
        var keys = services.GetRequiredService<LocalSignalRKeys>();
        var (principal, error) = await validator.ValidateAsync(TokenOf(context), tokens.ClientUrl(hub), keys.SigningKeys());
        if (principal is null)
        {
            LocalSignalRLog.ClientRefused(logger, hub, StatusCodes.Status401Unauthorized, error ?? "invalid token");
            await WriteAsync(context, StatusCodes.Status401Unauthorized, $"Unauthorized: {error}.");
            return;
        }

        context.User = principal;
        await next(context);
    }

    /// <summary>
    /// The bearer token; for WebSocket and SSE requests also the <c>access_token</c> query value (browsers cannot set
    /// headers there), as the Service reads it.
    /// </summary>
    private static string? TokenOf(HttpContext context)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return authorization["Bearer ".Length..].Trim();
        }

        // The WebSockets middleware runs inside the endpoint, after this guard: look at the upgrade request itself.
        var streaming = context.Request.Headers.Upgrade.Any(u => string.Equals(u, "websocket", StringComparison.OrdinalIgnoreCase))
            || context.Features.Get<IHttpExtendedConnectFeature>()?.Protocol is "websocket"
            || context.Request.Headers.Accept.Any(a => a?.Contains("text/event-stream", StringComparison.OrdinalIgnoreCase) == true);
        return streaming ? context.Request.Query["access_token"].LastOrDefault() : null;
    }

    private static async Task WriteAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.Headers[HeaderNames.CacheControl] = "no-store";
        await context.Response.WriteAsync(message);
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_]{0,127}$")]
    private static partial Regex HubName();
}
