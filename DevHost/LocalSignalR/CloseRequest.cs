namespace FunctionsDashboard.DevHost.LocalSignalR;

/// <summary>Why the Service closes a connection, and whether the close message lets the client reconnect automatically.</summary>
internal sealed record CloseRequest(string? Error, CloseKind Kind, bool AllowReconnect = false);
