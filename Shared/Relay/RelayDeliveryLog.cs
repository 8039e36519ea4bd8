using Microsoft.Extensions.Logging;

namespace FunctionsDashboard.Relay;

/// <summary>The log messages of relay delivery, dead-letter and re-drive.</summary>
internal static partial class RelayDeliveryLog
{
    [LoggerMessage(EventId = 3030, EventName = "RelayDelivered", Level = LogLevel.Debug, Message = "Stream {Stream}: events {FirstSeq}..{LastSeq} delivered after {Attempts} tr(y/ies)")]
    public static partial void Delivered(ILogger logger, string stream, long firstSeq, long lastSeq, int attempts);

    [LoggerMessage(EventId = 3031, EventName = "RelayDeliveryRetry", Level = LogLevel.Information, Message = "Stream and seqs {Batch}: try {Attempt} failed ({Error}); next try in {DelayMs:0} ms")]
    public static partial void Retrying(ILogger logger, string batch, int attempt, string error, double delayMs);

    [LoggerMessage(EventId = 3032, EventName = "RelayDeadLettered", Level = LogLevel.Warning, Message = "Stream {Stream}: event {Seq} ({EventId}) dead-lettered after {Attempts} tr(y/ies): {Reason}")]
    public static partial void DeadLettered(ILogger logger, string stream, long seq, string eventId, int attempts, string reason);

    [LoggerMessage(EventId = 3033, EventName = "RelayDeliveryStreamFailed", Level = LogLevel.Error, Message = "Stream {Stream}: the sender stopped on a storage error; waiting messages are retried, the fast path resumes with the next commit")]
    public static partial void StreamFailed(ILogger logger, string stream, Exception error);

    [LoggerMessage(EventId = 3034, EventName = "RelayDeliveryAlreadySettled", Level = LogLevel.Debug, Message = "Stream {Stream}: message {FirstSeq}..{LastSeq} was already settled (fast path); nothing to do")]
    public static partial void AlreadySettled(ILogger logger, string stream, long firstSeq, long lastSeq);

    [LoggerMessage(EventId = 3035, EventName = "RelayDeliveryContinued", Level = LogLevel.Information, Message = "Stream {Stream}: message budget spent; events {FirstSeq}..{LastSeq} handed off as a new message")]
    public static partial void Continued(ILogger logger, string stream, long firstSeq, long lastSeq);

    [LoggerMessage(EventId = 3036, EventName = "RelayDeliveryMessageInvalid", Level = LogLevel.Error, Message = "A delivery message could not be read and was dead-lettered: {Reason}")]
    public static partial void InvalidMessage(ILogger logger, string reason);

    [LoggerMessage(EventId = 3037, EventName = "RelayDeliveryPoisoned", Level = LogLevel.Error, Message = "Stream {Stream}: the delivery message for {FirstSeq}..{LastSeq} was poisoned; {Count} undelivered event(s) dead-lettered")]
    public static partial void Poisoned(ILogger logger, string stream, long firstSeq, long lastSeq, int count);

    [LoggerMessage(EventId = 3038, EventName = "RelayRedriven", Level = LogLevel.Warning, Message = "Re-drive: {Events} dead-lettered event(s) queued again in {Ranges} message(s) (stream filter: {Stream})")]
    public static partial void Redriven(ILogger logger, int events, int ranges, string stream);

    [LoggerMessage(EventId = 3039, EventName = "RelayDeliveryMessageDone", Level = LogLevel.Debug, Message = "Stream {Stream}: message {FirstSeq}..{LastSeq} settled (watermark {Through})")]
    public static partial void MessageDone(ILogger logger, string stream, long firstSeq, long lastSeq, long through);

    [LoggerMessage(EventId = 3040, EventName = "RelayDeliveryWatermarkFailed", Level = LogLevel.Warning, Message = "Stream {Stream}: could not record the delivered watermark {Through} (a restart sends those events again)")]
    public static partial void WatermarkFailed(ILogger logger, string stream, long through, Exception error);

    [LoggerMessage(EventId = 3041, EventName = "RelayDeliveryStreamReset", Level = LogLevel.Warning, Message = "Stream {Stream}: the log cannot serve seqs after {AfterSeq} (expired, or generation {Generation}); delivery goes on from {FirstRetainedSeq}")]
    public static partial void StreamReset(ILogger logger, string stream, long afterSeq, string generation, long firstRetainedSeq);

    [LoggerMessage(EventId = 3042, EventName = "RelayDeliveryLeaseTaken", Level = LogLevel.Debug, Message = "Stream {Stream}: this instance took the delivery lease (watermark {Through})")]
    public static partial void LeaseTaken(ILogger logger, string stream, long through);

    [LoggerMessage(EventId = 3043, EventName = "RelayDeliveryLeaseReleased", Level = LogLevel.Debug, Message = "Stream {Stream}: idle, delivery lease released (watermark {Through})")]
    public static partial void LeaseReleased(ILogger logger, string stream, long through);

    [LoggerMessage(EventId = 3044, EventName = "RelayDeliveryLeaseLost", Level = LogLevel.Warning, Message = "Stream {Stream}: the delivery lease was taken by another instance (this one had settled through {Through}); sending stops until it is free again")]
    public static partial void LeaseLost(ILogger logger, string stream, long through);

    [LoggerMessage(EventId = 3045, EventName = "RelayDeliveryHeadPollFailed", Level = LogLevel.Debug, Message = "Stream {Stream}: the lingering holder could not read the stream's head; another instance's commits wait for the next look")]
    public static partial void HeadPollFailed(ILogger logger, string stream, Exception error);
}
