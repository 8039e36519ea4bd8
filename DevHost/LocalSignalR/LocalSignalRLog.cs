namespace FunctionsDashboard.DevHost.LocalSignalR;

/// <summary>
/// Logs of the local SignalR Service. Never log tokens, the access key or the client query string (it carries
/// <c>access_token</c>); upstream URLs are logged without their query (it may carry a function key).
/// </summary>
internal static partial class LocalSignalRLog
{
    [LoggerMessage(EventId = 9401, EventName = "LocalSignalRStarted", Level = LogLevel.Information,
        Message = "Local SignalR Service at {Endpoint}; upstream {Upstream}")]
    public static partial void Started(ILogger logger, string endpoint, string upstream);

    [LoggerMessage(EventId = 9402, EventName = "LocalSignalRConnected", Level = LogLevel.Information,
        Message = "Local SignalR: connection {ConnectionId} joined hub {Hub} (user '{UserId}')")]
    public static partial void Connected(ILogger logger, string connectionId, string hub, string? userId);

    [LoggerMessage(EventId = 9403, EventName = "LocalSignalRDisconnected", Level = LogLevel.Information,
        Message = "Local SignalR: connection {ConnectionId} left hub {Hub} ({Reason})")]
    public static partial void Disconnected(ILogger logger, string connectionId, string hub, string reason);

    [LoggerMessage(EventId = 9404, EventName = "LocalSignalRClientRefused", Level = LogLevel.Warning,
        Message = "Local SignalR refused a client request for hub '{Hub}' with {Status}: {Reason}")]
    public static partial void ClientRefused(ILogger logger, string? hub, int status, string reason);

    [LoggerMessage(EventId = 9405, EventName = "LocalSignalRRestRefused", Level = LogLevel.Warning,
        Message = "Local SignalR refused REST {Method} {Path} with {Status}: {Reason}")]
    public static partial void RestRefused(ILogger logger, string method, string path, int status, string reason);

    [LoggerMessage(EventId = 9406, EventName = "LocalSignalRFaultInjected", Level = LogLevel.Information,
        Message = "Local SignalR fault knob: REST {Method} {Path} answered {Outcome}")]
    public static partial void FaultInjected(ILogger logger, string method, string path, string outcome);

    [LoggerMessage(EventId = 9407, EventName = "LocalSignalRFaultsChanged", Level = LogLevel.Information,
        Message = "Local SignalR fault knobs now {Settings}")]
    public static partial void FaultsChanged(ILogger logger, LocalSignalRFaultSettings settings);

    [LoggerMessage(EventId = 9408, EventName = "LocalSignalRUpstreamFailed", Level = LogLevel.Warning,
        Message = "Local SignalR upstream {Category}/{Event} of connection {ConnectionId} to {Url} answered {Status}")]
    public static partial void UpstreamFailed(ILogger logger, string category, string @event, string connectionId, string url, int status);

    [LoggerMessage(EventId = 9409, EventName = "LocalSignalRUpstreamUnreachable", Level = LogLevel.Warning,
        Message = "Local SignalR upstream {Category}/{Event} of connection {ConnectionId} to {Url} got no answer: {Error}")]
    public static partial void UpstreamUnreachable(ILogger logger, string category, string @event, string connectionId, string url, string error);

    [LoggerMessage(EventId = 9410, EventName = "LocalSignalRUpstreamDropped", Level = LogLevel.Information,
        Message = "Local SignalR fault knob: upstream {Category}/{Event} of connection {ConnectionId} not sent")]
    public static partial void UpstreamDropped(ILogger logger, string category, string @event, string connectionId);

    [LoggerMessage(EventId = 9413, EventName = "LocalSignalRUpstreamSkipped", Level = LogLevel.Debug,
        Message = "Local SignalR: upstream {Category}/{Event} of connection {ConnectionId} not sent, DevHost is stopping")]
    public static partial void UpstreamSkipped(ILogger logger, string category, string @event, string connectionId);

    [LoggerMessage(EventId = 9411, EventName = "LocalSignalRConnectedRejected", Level = LogLevel.Warning,
        Message = "Local SignalR closes connection {ConnectionId}: the upstream answered {Status} to 'connected'")]
    public static partial void ConnectedRejected(ILogger logger, string connectionId, int status);

    [LoggerMessage(EventId = 9412, EventName = "LocalSignalRProtocolError", Level = LogLevel.Warning,
        Message = "Local SignalR closes connection {ConnectionId}: {Error}")]
    public static partial void ProtocolError(ILogger logger, string connectionId, string error);
}
