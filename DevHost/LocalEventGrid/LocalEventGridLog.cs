namespace FunctionsDashboard.DevHost.LocalEventGrid;

/// <summary>The local Event Grid's log messages.</summary>
internal static partial class LocalEventGridLog
{
    [LoggerMessage(EventId = 9501, EventName = "LocalEventGridPublished", Level = LogLevel.Debug, Message = "Topic {Topic}: {Count} event(s) published")]
    public static partial void Published(ILogger logger, string topic, int count);

    [LoggerMessage(EventId = 9502, EventName = "LocalEventGridHandshake", Level = LogLevel.Information, Message = "Subscription validated ({Schema}) at {Endpoint}")]
    public static partial void Validated(ILogger logger, string schema, string endpoint);

    [LoggerMessage(EventId = 9503, EventName = "LocalEventGridRetry", Level = LogLevel.Information, Message = "Delivery of {Count} event(s) failed ({Outcome}); attempt {Attempt}, next in {DelayMs:0} ms")]
    public static partial void Retrying(ILogger logger, int count, string outcome, int attempt, double delayMs);

    [LoggerMessage(EventId = 9504, EventName = "LocalEventGridDeadLettered", Level = LogLevel.Warning, Message = "{Count} event(s) of topic {Topic} dead-lettered: {Reason} ({Outcome})")]
    public static partial void DeadLettered(ILogger logger, int count, string topic, string reason, string outcome);

    [LoggerMessage(EventId = 9505, EventName = "LocalEventGridDeadLetterFailed", Level = LogLevel.Error, Message = "Dead-lettering {Count} event(s) failed; trying again later")]
    public static partial void DeadLetterFailed(ILogger logger, int count, Exception exception);
}
