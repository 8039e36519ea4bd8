using Azure;

namespace FunctionsDashboard.EventLog;

/// <summary>A stream's head row as last read or written.</summary>
/// <param name="Stream">The stream.</param>
/// <param name="Bucket">The day bucket whose table holds this head row.</param>
/// <param name="LastSeq">The counter: the highest committed seq.</param>
/// <param name="Generation">The generation; a new one after a detected rollback.</param>
/// <param name="Epoch">The generation's number (1, 2, ...), to order generations.</param>
/// <param name="Pending">The outbox: committed ranges not yet handed off.</param>
/// <param name="Buckets">The day buckets of this stream with the first seq each holds, oldest first.</param>
/// <param name="Next">Set once the head was sealed and moved to a later bucket (rollover): nothing commits here any more.</param>
/// <param name="ETag">The ETag that guards the row (null: not stored yet).</param>
internal sealed record HeadRow(
    string Stream,
    DateOnly Bucket,
    long LastSeq,
    string Generation,
    int Epoch,
    IReadOnlyList<PendingRange> Pending,
    IReadOnlyList<BucketStart> Buckets,
    DateOnly? Next,
    ETag? ETag)
{
    public static HeadRow New(string stream, DateOnly bucket, long lastSeq, int epoch) =>
        new(stream, bucket, lastSeq, EventLogLayout.NewGeneration(epoch), epoch, [], [new BucketStart(bucket, lastSeq + 1)], null, null);

    public StreamHead ToStreamHead(DateOnly firstRetainedDay) =>
        new(Stream, Generation, LastSeq, BucketStart.FirstRetainedSeq(Buckets, firstRetainedDay, LastSeq));
}
