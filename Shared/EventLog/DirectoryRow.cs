using Azure;

namespace FunctionsDashboard.EventLog;

/// <summary>A stream's row in the directory (a mirror of its head, updated after commits, coalesced).</summary>
internal sealed record DirectoryRow(string Stream, DateOnly Bucket, long LastSeq, string Generation, int Epoch, IReadOnlyList<BucketStart> Buckets, ETag ETag)
{
    public StreamHead ToStreamHead(DateOnly firstRetainedDay) =>
        new(Stream, Generation, LastSeq, BucketStart.FirstRetainedSeq(Buckets, firstRetainedDay, LastSeq));
}
