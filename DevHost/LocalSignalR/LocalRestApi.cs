using System.Runtime.InteropServices;
using System.Text.Json;
using FunctionsDashboard.Relay;
using Microsoft.AspNetCore.Mvc;

namespace FunctionsDashboard.DevHost.LocalSignalR;

/// <summary>
/// The Service's data-plane REST API (2022-06-01, plus the v1 paths) under <c>/localsignalr/api</c>: send to all /
/// user / group / connection (202), connection, group and user checks (200/404), close connections, group membership,
/// health. <c>api-version</c> is accepted whatever its value, or absent. Auth and fault knobs: <see cref="LocalRestFilter"/>.
/// </summary>
internal static class LocalRestApi
{
    /// <summary>The body limit of the Service: 1 MB.</summary>
    public const int MaxBodySize = 1024 * 1024;

    private const int MaxGroupLength = 1024;
    private static readonly string[] HeadOrGet = [HttpMethods.Head, HttpMethods.Get];

    public static IEndpointRouteBuilder MapLocalRestApi(this IEndpointRouteBuilder endpoints)
    {
        foreach (var health in new[] { "/api/health", "/api/v1/health" })
        {
            endpoints.MapMethods(health, HeadOrGet, Health);
        }

        foreach (var prefix in new[] { "/api/hubs/{hub}", "/api/v1/hubs/{hub}" })
        {
            var hub = endpoints.MapGroup(prefix).AddEndpointFilter<LocalRestFilter>();

            // Sends; the v1 paths have no ":send".
            foreach (var send in new[] { "/:send", "" })
            {
                hub.MapPost(send, SendToAll).WithMetadata(LocalRestSend.Instance);
                hub.MapPost("/users/{user}" + send, SendToUser).WithMetadata(LocalRestSend.Instance);
                hub.MapPost("/groups/{group}" + send, SendToGroup).WithMetadata(LocalRestSend.Instance);
                hub.MapPost("/connections/{connectionId}" + send, SendToConnection).WithMetadata(LocalRestSend.Instance);
            }

            hub.MapMethods("/connections/{connectionId}", HeadOrGet, ConnectionExists);
            hub.MapDelete("/connections/{connectionId}", CloseConnection);
            hub.MapDelete("/connections/{connectionId}/groups", RemoveFromAllGroups);
            hub.MapPut("/groups/{group}/connections/{connectionId}", AddToGroup);
            hub.MapDelete("/groups/{group}/connections/{connectionId}", RemoveFromGroup);
            hub.MapMethods("/groups/{group}", HeadOrGet, GroupExists);
            hub.MapMethods("/users/{user}", HeadOrGet, UserExists);
            hub.MapPost("/:closeConnections", CloseAll);
            hub.MapPost("/groups/{group}/:closeConnections", CloseGroup);
            hub.MapPost("/users/{user}/:closeConnections", CloseUser);
        }

        return endpoints;
    }

    private static IResult Health(LocalSignalRFaults faults) =>
        faults.Current.Offline ? TypedResults.StatusCode(StatusCodes.Status503ServiceUnavailable) : TypedResults.Ok();

    private static Task<IResult> SendToAll(string hub, [FromQuery] string[]? excluded, HttpRequest request, LocalHubStore store, CancellationToken cancellationToken) =>
        SendAsync(request, store, hub, h => h.All(excluded ?? []), cancellationToken);

    private static Task<IResult> SendToUser(string hub, string user, [FromQuery] string[]? excluded, HttpRequest request, LocalHubStore store, CancellationToken cancellationToken) =>
        SendAsync(request, store, hub, h => h.OfUser(user, excluded ?? []), cancellationToken);

    private static Task<IResult> SendToGroup(string hub, string group, [FromQuery] string[]? excluded, HttpRequest request, LocalHubStore store, CancellationToken cancellationToken) =>
        InvalidGroup(group) ?? SendAsync(request, store, hub, h => h.InGroup(group, excluded ?? []), cancellationToken);

    private static Task<IResult> SendToConnection(string hub, string connectionId, HttpRequest request, LocalHubStore store, CancellationToken cancellationToken) =>
        SendAsync(request, store, hub, h => h.Single(connectionId), cancellationToken);

    private static IResult ConnectionExists(string hub, string connectionId, LocalHubStore store) =>
        Found(store.TryGet(hub, out var h) && h!.TryGet(connectionId, out _));

    private static IResult GroupExists(string hub, string group, LocalHubStore store) =>
        Found(store.TryGet(hub, out var h) && h!.GroupExists(group));

    private static IResult UserExists(string hub, string user, LocalHubStore store) =>
        Found(store.TryGet(hub, out var h) && h!.UserExists(user));

    /// <summary>Closes the connection for real: it leaves the hub now, the client gets a close message with the reason, then <c>disconnected</c> goes upstream.</summary>
    private static IResult CloseConnection(string hub, string connectionId, string? reason, LocalHubStore store)
    {
        if (store.TryGet(hub, out var h) && h!.TryGet(connectionId, out var connection))
        {
            Close(h, connection!, reason);
        }

        return TypedResults.Ok();
    }

    private static IResult CloseAll(string hub, [FromQuery] string[]? excluded, string? reason, LocalHubStore store) =>
        CloseMany(store, hub, h => h.All(excluded ?? []), reason);

    private static IResult CloseGroup(string hub, string group, [FromQuery] string[]? excluded, string? reason, LocalHubStore store) =>
        CloseMany(store, hub, h => h.InGroup(group, excluded ?? []), reason);

    private static IResult CloseUser(string hub, string user, [FromQuery] string[]? excluded, string? reason, LocalHubStore store) =>
        CloseMany(store, hub, h => h.OfUser(user, excluded ?? []), reason);

    private static IResult AddToGroup(string hub, string group, string connectionId, LocalHubStore store)
    {
        if (InvalidGroupResult(group) is { } invalid)
        {
            return invalid;
        }

        return Found(store.TryGet(hub, out var h) && h!.AddToGroup(group, connectionId));
    }

    private static IResult RemoveFromGroup(string hub, string group, string connectionId, LocalHubStore store) =>
        Found(store.TryGet(hub, out var h) && h!.RemoveFromGroup(group, connectionId));

    private static IResult RemoveFromAllGroups(string hub, string connectionId, LocalHubStore store)
    {
        if (store.TryGet(hub, out var h))
        {
            h!.RemoveFromAllGroups(connectionId);
        }

        return TypedResults.Ok();
    }

    private static async Task<IResult> SendAsync(
        HttpRequest request, LocalHubStore store, string hub, Func<LocalHub, IReadOnlyList<LocalClientConnection>> targets, CancellationToken cancellationToken)
    {
        var (message, error) = await ReadMessageAsync(request, cancellationToken);
        if (error is not null)
        {
            return error;
        }

        if (store.TryGet(hub, out var localHub))
        {
            await LocalHub.SendAsync(targets(localHub!), message!.Frame, cancellationToken);
        }

        return TypedResults.Accepted((string?)null);
    }

    private static IResult CloseMany(LocalHubStore store, string hub, Func<LocalHub, IReadOnlyList<LocalClientConnection>> targets, string? reason)
    {
        if (store.TryGet(hub, out var h))
        {
            foreach (var connection in targets(h!))
            {
                Close(h!, connection, reason);
            }
        }

        return TypedResults.NoContent();
    }

    /// <summary>
    /// A REST close sends a close message with <c>allowReconnect: true</c>, as the official emulator does (and the flag
    /// exists for: dotnet/aspnetcore#14908), so a client with automatic reconnect comes back.
    /// </summary>
    private static void Close(LocalHub hub, LocalClientConnection connection, string? reason)
    {
        hub.Remove(connection);
        connection.RequestClose(string.IsNullOrEmpty(reason) ? null : reason, CloseKind.Graceful, allowReconnect: true);
    }

    /// <summary>Reads <c>{"target": "...", "arguments": [...]}</c>: 413 over 1 MB, 400 when malformed or without a target.</summary>
    internal static async Task<(HubMessagePayload? Message, IResult? Error)> ReadMessageAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var body = await BoundedBody.ReadAsync(request.Body, request.ContentLength, MaxBodySize, cancellationToken);
        if (body is null)
        {
            return (null, TooLarge());
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, BadRequest("The body must be a JSON object {\"target\": \"...\", \"arguments\": [...]}.", "body"));
            }

            var target = Property(root, "target");
            if (target is not { ValueKind: JsonValueKind.String } || string.IsNullOrEmpty(target.Value.GetString()))
            {
                return (null, BadRequest("The 'target' field is required and must be a non-empty string.", "target"));
            }

            var arguments = Property(root, "arguments");
            if (arguments is { ValueKind: not (JsonValueKind.Array or JsonValueKind.Null) })
            {
                return (null, BadRequest("The 'arguments' field must be an array.", "arguments"));
            }

            // The frame carries the arguments exactly as sent (raw JSON), so they are neither copied nor written again.
            var name = target.Value.GetString()!;
            var frame = arguments is { ValueKind: JsonValueKind.Array } array
                ? HubFrames.Invocation(name, JsonMarshal.GetRawUtf8Value(array))
                : HubFrames.Invocation(name, "[]"u8);
            return (new HubMessagePayload(name, frame), null);
        }
        catch (JsonException)
        {
            return (null, BadRequest("The body is not valid JSON.", "body"));
        }
    }

    private static JsonElement? Property(JsonElement root, string name)
    {
        foreach (var property in root.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return property.Value;
            }
        }

        return null;
    }

    private static Task<IResult>? InvalidGroup(string group) => InvalidGroupResult(group) is { } result ? Task.FromResult(result) : null;

    private static IResult? InvalidGroupResult(string group) =>
        group.Length is 0 or > MaxGroupLength || group.Any(char.IsWhiteSpace)
            ? BadRequest($"The group name must be 1 to {MaxGroupLength} characters without white space.", "group")
            : null;

    private static IResult Found(bool found) => found ? TypedResults.Ok() : TypedResults.NotFound();

    private static IResult BadRequest(string message, string target) =>
        ServiceError.Result(StatusCodes.Status400BadRequest, "InvalidRequest", message, target);

    private static IResult TooLarge() =>
        ServiceError.Result(StatusCodes.Status413PayloadTooLarge, "PayloadTooLarge", $"The body is larger than {MaxBodySize} bytes.", "body");
}
