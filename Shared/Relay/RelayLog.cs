using Microsoft.Extensions.Logging;

namespace FunctionsDashboard.Relay;

/// <summary>The relay's log messages.</summary>
internal static partial class RelayLog
{
    [LoggerMessage(EventId = 3001, EventName = "RelayCommitted", Level = LogLevel.Debug, Message = "Stream {Stream}: events {FirstSeq}..{LastSeq} committed")]
    public static partial void Committed(ILogger logger, string stream, long firstSeq, long lastSeq);

    [LoggerMessage(EventId = 3002, EventName = "RelayCommitFailed", Level = LogLevel.Warning, Message = "Stream {Stream}: {Count} event(s) could not be written")]
    public static partial void CommitFailed(ILogger logger, string stream, int count, Exception exception);

    [LoggerMessage(EventId = 3003, EventName = "RelayHandOffFailed", Level = LogLevel.Warning, Message = "Stream {Stream}: events {FirstSeq}..{LastSeq} are durable but were not handed off; they stay in the outbox")]
    public static partial void HandOffFailed(ILogger logger, string stream, long firstSeq, long lastSeq, Exception exception);

    [LoggerMessage(EventId = 3004, EventName = "RelayReHandedOff", Level = LogLevel.Information, Message = "Stream {Stream}: pending events {FirstSeq}..{LastSeq} handed off again ({Cause})")]
    public static partial void ReHandedOff(ILogger logger, string stream, long firstSeq, long lastSeq, string cause);

    [LoggerMessage(EventId = 3005, EventName = "RelayOutboxFlushFailed", Level = LogLevel.Warning, Message = "Stream {Stream}: handed-off ranges could not be removed from the outbox yet")]
    public static partial void FlushFailed(ILogger logger, string stream, Exception exception);

    [LoggerMessage(EventId = 3006, EventName = "RelayWriterFailed", Level = LogLevel.Error, Message = "Stream {Stream}: the event-log writer failed unexpectedly")]
    public static partial void WriterFailed(ILogger logger, string stream, Exception exception);

    [LoggerMessage(EventId = 3010, EventName = "RelayWebhookRefused", Level = LogLevel.Information, Message = "Event Grid webhook call refused with {StatusCode}: {Reason}")]
    public static partial void Refused(ILogger logger, int statusCode, string reason);

    [LoggerMessage(EventId = 3011, EventName = "RelayWebhookUnavailable", Level = LogLevel.Warning, Message = "Event Grid webhook call answered 503: {Reason}")]
    public static partial void Unavailable(ILogger logger, string reason, Exception? exception);

    [LoggerMessage(EventId = 3012, EventName = "RelaySubscriptionValidated", Level = LogLevel.Information, Message = "Event Grid subscription validation handshake answered ({Kind})")]
    public static partial void Validated(ILogger logger, string kind);

    [LoggerMessage(EventId = 3020, EventName = "RelayOutboxSwept", Level = LogLevel.Information, Message = "Outbox sweep handed off {Ranges} pending range(s) again")]
    public static partial void Swept(ILogger logger, int ranges);

    [LoggerMessage(EventId = 3021, EventName = "RelayOutboxSweepFailed", Level = LogLevel.Warning, Message = "Outbox sweep failed; it runs again in {IntervalSeconds:0} s")]
    public static partial void SweepFailed(ILogger logger, double intervalSeconds, Exception exception);
}
