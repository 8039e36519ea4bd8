using System.Text.Json;

namespace FunctionsDashboard.Hub;

/// <summary>What an upstream call carries, independent of HTTP.</summary>
/// <param name="Hub">The hub (lower-cased by the Service).</param>
/// <param name="Category">The category.</param>
/// <param name="Event">The event or invocation target.</param>
/// <param name="ConnectionId">The connection.</param>
/// <param name="UserId">The user, when the client token carried one.</param>
/// <param name="Claims">The client's other claims (<c>X-ASRS-User-Claims</c>).</param>
/// <param name="InvocationId">The invocation id when the client awaits a completion.</param>
/// <param name="Arguments">The invocation arguments (empty for connection events).</param>
/// <param name="Error">The disconnect error, when the connection closed with one.</param>
public sealed record HubEventContext(
    string Hub,
    string Category,
    string Event,
    string ConnectionId,
    string? UserId,
    IReadOnlyList<KeyValuePair<string, string>> Claims,
    string? InvocationId,
    IReadOnlyList<JsonElement> Arguments,
    string? Error);
