namespace FunctionsDashboard.DevHost.LocalSignalR;

/// <summary>
/// Logs of the local SignalR Service. Never log tokens, the access key or the client query string (it carries
/// <c>access_token</c>); upstream URLs are logged without their query (it may carry a function key).
/// </summary>
internal static partial class LocalSignalRLog
{
    [LoggerMessage(EventId = 9201, EventName = "LocalSignalRStarted", Level = LogLevel.Information,
        Message = "Local SignalR Service at {Endpoint}; upstream {Upstream}")]
    public static partial void Started(ILogger logger, string endpoint, string upstream);

    [LoggerMessage(EventId = 9202, EventName = "LocalSignalRConnected", Level = LogLevel.Information,
        Message = "Local SignalR: connection {ConnectionId} joined hub {Hub} (user '{UserId}')")]
    public static partial void Connected(ILogger logger, string connectionId, string hub, string? userId);

    [LoggerMessage(EventId = 9203, EventName = "LocalSignalRDisconnected", Level = LogLevel.Information,
        Message = "Local SignalR: connection {ConnectionId} left hub {Hub} ({Reason})")]
    public static partial void Disconnected(ILogger logger, string connectionId, string hub, string reason);

    [LoggerMessage(EventId = 9204, EventName = "LocalSignalRClientRefused", Level = LogLevel.Warning,
        Message = "Local SignalR refused a client request for hub '{Hub}' with {Status}: {Reason}")]
    public static partial void ClientRefused(ILogger logger, string? hub, int status, string reason);

    [LoggerMessage(EventId = 9205, EventName = "LocalSignalRRestRefused", Level = LogLevel.Warning,
        Message = "Local SignalR refused REST {Method} {Path} with {Status}: {Reason}")]
    public static partial void RestRefused(ILogger logger, string method, string path, int status, string reason);

    [LoggerMessage(EventId = 9206, EventName = "LocalSignalRFaultInjected", Level = LogLevel.Information,
        Message = "Local SignalR fault knob: REST {Method} {Path} answered {Outcome}")]
    public static partial void FaultInjected(ILogger logger, string method, string path, string outcome);

    [LoggerMessage(EventId = 9207, EventName = "LocalSignalRFaultsChanged", Level = LogLevel.Information,
        Message = "Local SignalR fault knobs now {Settings}")]
    public static partial void FaultsChanged(ILogger logger, LocalSignalRFaultSettings settings);

    [LoggerMessage(EventId = 9208, EventName = "LocalSignalRUpstreamFailed", Level = LogLevel.Warning,
        Message = "Local SignalR upstream {Category}/{Event} of connection {ConnectionId} to {Url} answered {Status}")]
    public static partial void UpstreamFailed(ILogger logger, string category, string @event, string connectionId, string url, int status);

    [LoggerMessage(EventId = 9209, EventName = "LocalSignalRUpstreamUnreachable", Level = LogLevel.Warning,
        Message = "Local SignalR upstream {Category}/{Event} of connection {ConnectionId} to {Url} got no answer: {Error}")]
    public static partial void UpstreamUnreachable(ILogger logger, string category, string @event, string connectionId, string url, string error);

    [LoggerMessage(EventId = 9210, EventName = "LocalSignalRUpstreamDropped", Level = LogLevel.Information,
        Message = "Local SignalR fault knob: upstream {Category}/{Event} of connection {ConnectionId} not sent")]
    public static partial void UpstreamDropped(ILogger logger, string category, string @event, string connectionId);

    [LoggerMessage(EventId = 9213, EventName = "LocalSignalRUpstreamSkipped", Level = LogLevel.Debug,
        Message = "Local SignalR: upstream {Category}/{Event} of connection {ConnectionId} not sent, DevHost is stopping")]
    public static partial void UpstreamSkipped(ILogger logger, string category, string @event, string connectionId);

    [LoggerMessage(EventId = 9211, EventName = "LocalSignalRConnectedRejected", Level = LogLevel.Warning,
        Message = "Local SignalR closes connection {ConnectionId}: the upstream answered {Status} to 'connected'")]
    public static partial void ConnectedRejected(ILogger logger, string connectionId, int status);

    [LoggerMessage(EventId = 9212, EventName = "LocalSignalRProtocolError", Level = LogLevel.Warning,
        Message = "Local SignalR closes connection {ConnectionId}: {Error}")]
    public static partial void ProtocolError(ILogger logger, string connectionId, string error);
}
