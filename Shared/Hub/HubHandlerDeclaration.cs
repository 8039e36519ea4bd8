namespace FunctionsDashboard.Hub;

/// <summary>One statically declared hub event handler: (category, event) → handler type.</summary>
/// <param name="Category"><see cref="HubCategories.Connections"/> or <see cref="HubCategories.Messages"/>.</param>
/// <param name="Event">The event (<c>connected</c>, <c>disconnected</c>) or invocation target (<c>heartbeat</c>).</param>
/// <param name="Handler">A type implementing <see cref="IHubEventHandler"/>, registered in DI.</param>
public sealed record HubHandlerDeclaration(string Category, string Event, Type? Handler);
