namespace FunctionsDashboard.DevHost.LocalSignalR;

/// <summary>A REST message: the client method, and the invocation frame that carries it to clients.</summary>
internal sealed record HubMessagePayload(string Target, ReadOnlyMemory<byte> Frame);
