using Microsoft.Extensions.Logging;

namespace FunctionsDashboard.EventLog;

/// <summary>The event log's log messages (event ids 3400–3449).</summary>
internal static partial class EventLogLog
{
    [LoggerMessage(EventId = 3400, EventName = "EventLogCommitted", Level = LogLevel.Debug, Message = "Stream {Stream}: events {FirstSeq}..{LastSeq} committed ({Generation})")]
    public static partial void Committed(ILogger logger, string stream, long firstSeq, long lastSeq, string generation);

    [LoggerMessage(EventId = 3401, EventName = "EventLogCommitFailed", Level = LogLevel.Warning, Message = "Stream {Stream}: {Count} event(s) could not be written")]
    public static partial void CommitFailed(ILogger logger, string stream, int count, Exception exception);

    [LoggerMessage(EventId = 3402, EventName = "EventLogHandOffFailed", Level = LogLevel.Warning, Message = "Stream {Stream}: events {FirstSeq}..{LastSeq} are durable but were not handed off; they stay in the outbox")]
    public static partial void HandOffFailed(ILogger logger, string stream, long firstSeq, long lastSeq, Exception exception);

    [LoggerMessage(EventId = 3403, EventName = "EventLogReHandedOff", Level = LogLevel.Information, Message = "Stream {Stream}: pending events {FirstSeq}..{LastSeq} handed off again ({Cause})")]
    public static partial void ReHandedOff(ILogger logger, string stream, long firstSeq, long lastSeq, string cause);

    [LoggerMessage(EventId = 3404, EventName = "EventLogOutboxFlushFailed", Level = LogLevel.Warning, Message = "Stream {Stream}: handed-off ranges could not be removed from the outbox yet")]
    public static partial void FlushFailed(ILogger logger, string stream, Exception exception);

    [LoggerMessage(EventId = 3405, EventName = "EventLogWriterFailed", Level = LogLevel.Error, Message = "Stream {Stream}: the event-log writer failed unexpectedly")]
    public static partial void WriterFailed(ILogger logger, string stream, Exception exception);

    [LoggerMessage(EventId = 3406, EventName = "EventLogListenerFailed", Level = LogLevel.Error, Message = "Stream {Stream}: commit listener {Listener} threw (it must queue its work and return)")]
    public static partial void ListenerFailed(ILogger logger, string stream, string listener, Exception exception);

    [LoggerMessage(EventId = 3407, EventName = "EventLogDirectoryWriteFailed", Level = LogLevel.Warning, Message = "Stream {Stream}: the stream directory row could not be refreshed; retrying with the next round")]
    public static partial void DirectoryWriteFailed(ILogger logger, string stream, Exception exception);

    [LoggerMessage(EventId = 3408, EventName = "EventLogClaimTakenOver", Level = LogLevel.Information, Message = "Stream {Stream}: {Count} id claim(s) of a commit that never landed were taken over")]
    public static partial void ClaimsTakenOver(ILogger logger, string stream, int count);

    [LoggerMessage(EventId = 3409, EventName = "EventLogRolledOver", Level = LogLevel.Information, Message = "Stream {Stream}: head moved from bucket {OldBucket} to {NewBucket} at seq {LastSeq}")]
    public static partial void RolledOver(ILogger logger, string stream, string oldBucket, string newBucket, long lastSeq);

    [LoggerMessage(EventId = 3410, EventName = "EventLogRollbackDetected", Level = LogLevel.Critical,
        Message = "Stream {Stream}: the event log LOST ACKNOWLEDGED EVENTS: storage holds seq {StoredSeq} of generation {OldGeneration}, but seq {KnownSeq} was {Evidence}. Starting generation {NewGeneration} at seq {NextSeq}; readers of the old generation get a reset. Check the storage account (restored backup, emulator restart, data loss).")]
    public static partial void RollbackDetected(ILogger logger, string stream, long storedSeq, string oldGeneration, long knownSeq, string evidence, string newGeneration, long nextSeq);

    [LoggerMessage(EventId = 3411, EventName = "EventLogBucketDropped", Level = LogLevel.Information, Message = "Retention: dropped event-log bucket {Bucket} (older than {RetentionDays} days)")]
    public static partial void BucketDropped(ILogger logger, string bucket, double retentionDays);

    [LoggerMessage(EventId = 3414, EventName = "EventLogIndexWindowDropped", Level = LogLevel.Information, Message = "Retention: dropped the id-index window starting {Window} (all of its days expired)")]
    public static partial void IndexWindowDropped(ILogger logger, string window);

    [LoggerMessage(EventId = 3412, EventName = "EventLogRetentionFailed", Level = LogLevel.Warning, Message = "Retention sweep failed; it runs again in {IntervalMinutes:0} min")]
    public static partial void RetentionFailed(ILogger logger, double intervalMinutes, Exception exception);

    [LoggerMessage(EventId = 3413, EventName = "EventLogOutboxSwept", Level = LogLevel.Information, Message = "Outbox sweep handed off {Ranges} pending range(s) again")]
    public static partial void Swept(ILogger logger, int ranges);
}
