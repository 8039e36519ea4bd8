using Microsoft.Extensions.Logging;

namespace FunctionsDashboard.Relay;

/// <summary>The log messages of relay delivery, dead-letter and re-drive.</summary>
internal static partial class RelayDeliveryLog
{
    [LoggerMessage(EventId = 3030, EventName = "RelayDelivered", Level = LogLevel.Debug, Message = "Stream {Stream}: event {Seq} ({EventId}) delivered after {Attempts} tr(y/ies)")]
    public static partial void Delivered(ILogger logger, string stream, long seq, string eventId, int attempts);

    [LoggerMessage(EventId = 3031, EventName = "RelayDeliveryRetry", Level = LogLevel.Information, Message = "Stream {Stream}: event {Seq}, try {Attempt} failed ({Error}); next try in {DelayMs:0} ms")]
    public static partial void Retrying(ILogger logger, string stream, long seq, int attempt, string error, double delayMs);

    [LoggerMessage(EventId = 3032, EventName = "RelayDeadLettered", Level = LogLevel.Warning, Message = "Stream {Stream}: event {Seq} ({EventId}) dead-lettered after {Attempts} tr(y/ies): {Reason}")]
    public static partial void DeadLettered(ILogger logger, string stream, long seq, string? eventId, int attempts, string reason);

    [LoggerMessage(EventId = 3033, EventName = "RelayDeliveredAgain", Level = LogLevel.Information, Message = "Stream {Stream}: event {Seq} was delivered by another try as well (a duplicate clients drop by id)")]
    public static partial void DeliveredAgain(ILogger logger, string stream, long seq);

    [LoggerMessage(EventId = 3034, EventName = "RelayDeliverySkipped", Level = LogLevel.Debug, Message = "Stream {Stream}: {Count} event(s) of {FirstSeq}..{LastSeq} were settled before (redelivered message); skipped")]
    public static partial void Skipped(ILogger logger, string stream, long firstSeq, long lastSeq, int count);

    [LoggerMessage(EventId = 3035, EventName = "RelayDeliveryContinued", Level = LogLevel.Information, Message = "Stream {Stream}: message budget spent; events {FirstSeq}..{LastSeq} handed off as a new message")]
    public static partial void Continued(ILogger logger, string stream, long firstSeq, long lastSeq);

    [LoggerMessage(EventId = 3036, EventName = "RelayDeliveryMessageInvalid", Level = LogLevel.Error, Message = "A delivery message could not be read and was dead-lettered: {Reason}")]
    public static partial void InvalidMessage(ILogger logger, string reason);

    [LoggerMessage(EventId = 3037, EventName = "RelayDeliveryPoisoned", Level = LogLevel.Error, Message = "Stream {Stream}: the delivery message for {FirstSeq}..{LastSeq} was poisoned; {Count} undelivered event(s) dead-lettered")]
    public static partial void Poisoned(ILogger logger, string stream, long firstSeq, long lastSeq, int count);

    [LoggerMessage(EventId = 3038, EventName = "RelayRedriven", Level = LogLevel.Warning, Message = "Re-drive: {Events} dead-lettered event(s) queued again in {Ranges} message(s) (stream filter: {Stream})")]
    public static partial void Redriven(ILogger logger, int events, int ranges, string stream);

    [LoggerMessage(EventId = 3039, EventName = "RelayDeliveryMessageDone", Level = LogLevel.Debug, Message = "Stream {Stream}: message {FirstSeq}..{LastSeq} done: {Delivered} delivered, {DeadLettered} dead-lettered, {Skipped} skipped")]
    public static partial void MessageDone(ILogger logger, string stream, long firstSeq, long lastSeq, int delivered, int deadLettered, int skipped);
}
