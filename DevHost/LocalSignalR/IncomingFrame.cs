namespace FunctionsDashboard.DevHost.LocalSignalR;

/// <summary>An incoming hub message: its type and routing fields, and the exact JSON the client sent.</summary>
internal sealed record IncomingFrame(int Type, string? InvocationId, string? Target, byte[] Json);
