namespace FunctionsDashboard.Hub;

/// <summary>Upstream categories of the SignalR Service serverless protocol.</summary>
public static class HubCategories
{
    /// <summary><c>connected</c> / <c>disconnected</c>.</summary>
    public const string Connections = "connections";

    /// <summary>Client invocations; the event is the invocation target.</summary>
    public const string Messages = "messages";
}

/// <summary>The events of category <see cref="HubCategories.Connections"/>.</summary>
public static class ConnectionEvents
{
    /// <summary>A client connected.</summary>
    public const string Connected = "connected";

    /// <summary>A client disconnected.</summary>
    public const string Disconnected = "disconnected";
}

/// <summary>One statically declared hub event handler: (category, event) → handler type.</summary>
/// <param name="Category"><see cref="HubCategories.Connections"/> or <see cref="HubCategories.Messages"/>.</param>
/// <param name="Event">The event (<c>connected</c>, <c>disconnected</c>) or invocation target (<c>heartbeat</c>).</param>
/// <param name="Handler">A type implementing <see cref="IHubEventHandler"/>, registered in DI.</param>
public sealed record HubHandlerDeclaration(string Category, string Event, Type? Handler);
