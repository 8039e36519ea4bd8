using System.Text.Json;
using System.Text.Unicode;
using FunctionsDashboard.Hardening;
using FunctionsDashboard.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Hub;

/// <summary>
/// Checks and dispatches an upstream call of the SignalR Service to its statically declared handler. In order:
/// 400 when an <c>X-ASRS-*</c> header is missing or past its bound (<see cref="InputLimits"/>), 401 when the signature is
/// missing or wrong, 415 for a body that is not JSON, 404 for an event the catalog does not declare, 400 for a malformed
/// body (not UTF-8, not JSON, wrong shape), 500 when the handler fails.
/// Replies 200 with a completion frame when the client awaits the invocation, else 204.
/// </summary>
public sealed partial class UpstreamDispatcher(
    HubHandlerCatalog catalog,
    IServiceProvider services,
    IOptions<SignalROptions> options,
    ILogger<UpstreamDispatcher> logger)
{
    private const byte RecordSeparator = 0x1e;

    /// <summary>Checks and dispatches one upstream call.</summary>
    public async Task<UpstreamOutcome> DispatchAsync(UpstreamRequest request, CancellationToken cancellationToken)
    {
        var connectionId = request.Header(UpstreamHeaders.ConnectionId);
        var hub = request.Header(UpstreamHeaders.Hub);
        var category = request.Header(UpstreamHeaders.Category);
        var @event = request.Header(UpstreamHeaders.Event);
        var missing = new[] { (UpstreamHeaders.ConnectionId, connectionId), (UpstreamHeaders.Hub, hub), (UpstreamHeaders.Category, category), (UpstreamHeaders.Event, @event) }
            .Where(h => string.IsNullOrWhiteSpace(h.Item2)).Select(h => h.Item1).ToList();
        if (missing.Count > 0)
        {
            return UpstreamOutcome.Problem(400, "Missing upstream headers", $"The request lacks {string.Join(", ", missing)}.");
        }

        var userId = Nullify(request.Header(UpstreamHeaders.UserId));
        var claimsHeader = request.Header(UpstreamHeaders.UserClaims);
        if (BadHeader(connectionId, hub, category, @event, userId, claimsHeader) is { } bad)
        {
            Log.BadHeader(logger, bad);
            return UpstreamOutcome.Problem(400, "Bad upstream header", $"{bad} is too long or holds characters it may not (see the documented limits).");
        }

        if (options.Value.Connection.UpstreamSignatureKeys is { Count: > 0 } keys && !UpstreamSignature.IsValid(connectionId, request.Header(UpstreamHeaders.Signature), keys))
        {
            Log.BadSignature(logger, LogValue.Bounded(hub), LogValue.Bounded(category), LogValue.Bounded(@event));
            return UpstreamOutcome.Problem(401, "Bad signature", $"{UpstreamHeaders.Signature} is missing or does not match.");
        }

        var mediaType = request.ContentType?.Split(';')[0].Trim();
        if (!string.Equals(mediaType, "application/json", StringComparison.OrdinalIgnoreCase))
        {
            return UpstreamOutcome.Problem(415, "Unsupported content type", $"Upstream bodies must be application/json (got '{LogValue.Bounded(mediaType ?? "none", 64)}'); the MessagePack protocol is not supported.");
        }

        if (!catalog.TryGet(hub!, category!, @event!, out var handlerType))
        {
            Log.UnknownEvent(logger, LogValue.Bounded(hub), LogValue.Bounded(category), LogValue.Bounded(@event));
            return UpstreamOutcome.Problem(404, "No handler", $"Hub '{LogValue.Bounded(hub, 64)}' declares no handler for {LogValue.Bounded(category, 64)}/{LogValue.Bounded(@event, 64)}.");
        }

        if (!TryParseBody(request.Body, category!, @event!, out var invocationId, out var arguments, out var error, out var problem))
        {
            return UpstreamOutcome.Problem(400, "Malformed upstream body", problem!);
        }

        var context = new HubEventContext(hub!, category!, @event!, connectionId!, userId,
            ParseClaims(claimsHeader), invocationId, arguments, error);
        var handler = (IHubEventHandler)services.GetRequiredService(handlerType);
        HubEventResult result;
        try
        {
            result = await handler.HandleAsync(context, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.HandlerFailed(logger, LogValue.Bounded(hub), LogValue.Bounded(category), LogValue.Bounded(@event), LogValue.Bounded(connectionId), e);
            return UpstreamOutcome.Problem(500, "Handler failed", $"The {category}/{@event} handler failed; the error was logged.");
        }

        Log.Dispatched(logger, LogValue.Bounded(hub), LogValue.Bounded(category), LogValue.Bounded(@event), LogValue.Bounded(connectionId));
        return invocationId is null ? UpstreamOutcome.NoContent : new UpstreamOutcome(200, Body: Completion(invocationId, result.Value));
    }

    private static bool TryParseBody(ReadOnlyMemory<byte> body, string category, string @event, out string? invocationId, out IReadOnlyList<JsonElement> arguments, out string? error, out string? problem)
    {
        invocationId = null;
        arguments = [];
        error = null;
        problem = null;
        var span = body.Span;
        if (span.Length > 0 && span[^1] == RecordSeparator)
        {
            span = span[..^1];
        }

        // JSON is UTF-8 (RFC 8259). JsonDocument checks the structure but decodes strings only when they are read, so
        // invalid UTF-8 inside a string would surface later as an InvalidOperationException: refuse it here.
        if (!Utf8.IsValid(span))
        {
            problem = "The body is not valid UTF-8.";
            return false;
        }

        try
        {
            using var doc = JsonDocument.Parse(span.ToArray());
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                problem = "The body must be a JSON object.";
                return false;
            }

            var root = doc.RootElement;
            if (string.Equals(category, HubCategories.Connections, StringComparison.OrdinalIgnoreCase))
            {
                // {"type":10} / {"type":11,"error":"..."}: the emulator writes PascalCase, so read case-insensitively.
                error = Nullify(Property(root, "error") is { ValueKind: JsonValueKind.String } e ? e.GetString() : null);
                return true;
            }

            if (Property(root, "target") is not { ValueKind: JsonValueKind.String } target || !string.Equals(target.GetString(), @event, StringComparison.OrdinalIgnoreCase))
            {
                problem = $"The invocation's target must equal the {UpstreamHeaders.Event} header ('{LogValue.Bounded(@event, 64)}').";
                return false;
            }

            invocationId = Property(root, "invocationId") is { ValueKind: JsonValueKind.String } id ? Nullify(id.GetString()) : null;
            arguments = Property(root, "arguments") is { ValueKind: JsonValueKind.Array } args ? args.EnumerateArray().Select(a => a.Clone()).ToList() : [];
            return true;
        }
        catch (JsonException e)
        {
            problem = $"The body is not valid JSON (line {(e.LineNumber ?? 0) + 1}, byte {(e.BytePositionInLine ?? 0) + 1}).";
            return false;
        }
        catch (InvalidOperationException)
        {
            // A value of the wrong JSON kind or text that cannot be decoded: still the caller's input, never a 500.
            problem = "The body could not be decoded.";
            return false;
        }
    }

    /// <summary>The name of the first header past its bound (<see cref="InputLimits"/>), or null when all are within.</summary>
    private static string? BadHeader(string? connectionId, string? hub, string? category, string? @event, string? userId, string? claims)
    {
        if (!InputLimits.IsVisibleAscii(connectionId, InputLimits.MaxConnectionIdLength))
        {
            return UpstreamHeaders.ConnectionId;
        }

        if (!InputLimits.IsVisibleAscii(hub, InputLimits.MaxHubNameLength))
        {
            return UpstreamHeaders.Hub;
        }

        if (!InputLimits.IsVisibleAscii(category, InputLimits.MaxHubNameLength))
        {
            return UpstreamHeaders.Category;
        }

        if (!InputLimits.IsVisibleAscii(@event, InputLimits.MaxHubNameLength))
        {
            return UpstreamHeaders.Event;
        }

        if (userId is not null && !InputLimits.IsPrintable(userId, InputLimits.MaxUserIdLength))
        {
            return UpstreamHeaders.UserId;
        }

        return claims is { Length: > InputLimits.MaxClaimsHeaderLength } ? UpstreamHeaders.UserClaims : null;
    }

    private static JsonElement? Property(JsonElement obj, string name)
    {
        foreach (var p in obj.EnumerateObject())
        {
            if (string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return p.Value;
            }
        }

        return null;
    }

    private static byte[] Completion(string invocationId, object? value)
    {
        var frame = JsonSerializer.SerializeToUtf8Bytes(new { type = 3, invocationId, result = value }, JsonSerializerOptions.Web);
        return [.. frame, RecordSeparator];
    }

    internal static IReadOnlyList<KeyValuePair<string, string>> ParseClaims(string? header)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            return [];
        }

        var claims = new List<KeyValuePair<string, string>>();
        foreach (var pair in header.Split(", ", StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = pair.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                claims.Add(new(pair[..colon].Trim(), pair[(colon + 1)..].Trim()));
            }
        }

        return claims;
    }

    private static string? Nullify(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static partial class Log
    {
        [LoggerMessage(EventId = 3201, EventName = "UpstreamBadSignature", Level = LogLevel.Warning, Message = "Upstream {Hub}/{Category}/{Event} rejected: bad or missing signature")]
        public static partial void BadSignature(ILogger logger, string hub, string category, string @event);

        [LoggerMessage(EventId = 3202, EventName = "UpstreamUnknownEvent", Level = LogLevel.Warning, Message = "Upstream {Hub}/{Category}/{Event} has no declared handler")]
        public static partial void UnknownEvent(ILogger logger, string hub, string category, string @event);

        [LoggerMessage(EventId = 3203, EventName = "UpstreamHandlerFailed", Level = LogLevel.Error, Message = "Upstream {Hub}/{Category}/{Event} handler failed for connection {ConnectionId}")]
        public static partial void HandlerFailed(ILogger logger, string hub, string category, string @event, string connectionId, Exception exception);

        [LoggerMessage(EventId = 3205, EventName = "UpstreamBadHeader", Level = LogLevel.Warning, Message = "Upstream call rejected: header {Header} is past its bound")]
        public static partial void BadHeader(ILogger logger, string header);

        [LoggerMessage(EventId = 3204, EventName = "UpstreamDispatched", Level = LogLevel.Debug, Message = "Upstream {Hub}/{Category}/{Event} handled for connection {ConnectionId}")]
        public static partial void Dispatched(ILogger logger, string hub, string category, string @event, string connectionId);
    }
}
