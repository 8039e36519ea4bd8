using FunctionsDashboard.EventLog;

namespace FunctionsDashboard.Tests.EventLog;

public sealed class EventLogLayoutTests
{
    [Theory]
    [InlineData("8f14e45f-ceea-467f-a0e6-1c6b3f5e1d2a", "id:8f14e45f-ceea-467f-a0e6-1c6b3f5e1d2a")]
    [InlineData("a/b#c?d", "id:a~2Fb~23c~3Fd")]
    [InlineData("a~2Fb", "id:a~7E2Fb")]
    [InlineData("é", "id:~C3~A9")]
    public void IdKey_EscapesEverythingOutsideTheSafeSet(string id, string expected)
    {
        Assert.Equal(expected, EventLogLayout.IdKey(id));
    }

    [Fact]
    public void IdKey_LongIds_AreHashedAndStillDistinct()
    {
        var a = EventLogLayout.IdKey(new string('/', 400) + "a");
        var b = EventLogLayout.IdKey(new string('/', 400) + "b");

        Assert.StartsWith("idh:", a, StringComparison.Ordinal);
        Assert.Equal(4 + 64, a.Length);
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void SeqKey_SortsLikeTheNumbers()
    {
        long[] seqs = [1, 2, 9, 10, 99, 100, 123456789, long.MaxValue];

        var keys = seqs.Select(EventLogLayout.SeqKey).ToList();

        Assert.Equal(keys.Order(StringComparer.Ordinal), keys);
        Assert.All(keys, k => Assert.True(string.CompareOrdinal(k, EventLogLayout.HeadRowKey) < 0 && string.CompareOrdinal(k, EventLogLayout.MarkerPrefix) < 0));
    }

    [Fact]
    public void PendingRange_FormatThenParse_RoundTrips()
    {
        var since = DateTimeOffset.FromUnixTimeMilliseconds(1_790_000_000_123);
        PendingRange[] ranges = [new(1, 5, since), new(6, 6, since.AddSeconds(1))];

        var parsed = PendingRange.Parse(PendingRange.Format(ranges));

        Assert.Equal(ranges, parsed);
        Assert.Empty(PendingRange.Parse(""));
        Assert.Throws<FormatException>(() => PendingRange.Parse("1-x@0"));
    }

    [Fact]
    public void PendingRange_With_MergesRangesWithoutAGap_KeepingTheOldestSince()
    {
        var t0 = DateTimeOffset.FromUnixTimeMilliseconds(1_790_000_000_000);
        List<PendingRange> outbox = [new(1, 5, t0.AddSeconds(2)), new(9, 9, t0)];

        Assert.Equal([new PendingRange(1, 9, t0)], PendingRange.With(outbox, new PendingRange(6, 8, t0.AddSeconds(3)))); // fills the gap
        Assert.Equal([new PendingRange(1, 5, t0.AddSeconds(2)), new PendingRange(9, 10, t0)], PendingRange.With(outbox, new PendingRange(10, 10, t0.AddSeconds(4))));
        Assert.Equal([new PendingRange(1, 5, t0.AddSeconds(2)), new PendingRange(7, 7, t0.AddSeconds(4)), new PendingRange(9, 9, t0)], PendingRange.With(outbox, new PendingRange(7, 7, t0.AddSeconds(4))));
        Assert.Equal([new PendingRange(3, 3, t0)], PendingRange.With([], new PendingRange(3, 3, t0)));
    }

    [Fact]
    public void PendingRange_Without_RemovesTheSeqsHandedOff_FromMergedRangesToo()
    {
        var t0 = DateTimeOffset.FromUnixTimeMilliseconds(1_790_000_000_000);
        List<PendingRange> outbox = [new(1, 20, t0), new(30, 30, t0.AddSeconds(1))];

        // Commits 1..5 and 6..20 were merged on the head; 6..20 was handed off first.
        Assert.Equal([new PendingRange(1, 5, t0), new PendingRange(30, 30, t0.AddSeconds(1))], PendingRange.Without(outbox, [new(6, 20, t0)]));
        Assert.Equal([new PendingRange(1, 2, t0), new PendingRange(8, 20, t0), new PendingRange(30, 30, t0.AddSeconds(1))], PendingRange.Without(outbox, [new(3, 7, t0)]));
        Assert.Equal([new PendingRange(30, 30, t0.AddSeconds(1))], PendingRange.Without(outbox, [new(1, 5, t0), new(6, 20, t0)]));
        Assert.Empty(PendingRange.Without(outbox, [new(1, 30, t0)]));
        Assert.Equal(outbox, PendingRange.Without(outbox, [new(21, 29, t0)]));
    }

    [Fact]
    public void IndexShard_IsStableAndSpreadsIds()
    {
        var shards = Enumerable.Range(0, 4000).Select(i => EventLogLayout.IndexShard(EventLogLayout.IdKey($"event-{i}"))).ToList();

        Assert.Equal(EventLogLayout.IndexShard("id:abc"), EventLogLayout.IndexShard("id:abc"));
        Assert.All(shards.CountBy(s => s), kv => Assert.InRange(kv.Value, 800, 1200)); // about a quarter each
        Assert.Equal("orders~ix" + EventLogLayout.IndexShard("id:x"), EventLogLayout.IndexPartition("orders", "id:x"));
    }

    [Fact]
    public void BucketStart_FormatParseAndRetention()
    {
        var d1 = new DateOnly(2026, 11, 30);
        BucketStart[] buckets = [new(d1, 1), new(d1.AddDays(1), 40), new(d1.AddDays(3), 90)];

        Assert.Equal(buckets, BucketStart.Parse(BucketStart.Format(buckets)));
        Assert.Equal(1, BucketStart.FirstRetainedSeq(buckets, d1, 120));
        Assert.Equal(40, BucketStart.FirstRetainedSeq(buckets, d1.AddDays(1), 120));
        Assert.Equal(90, BucketStart.FirstRetainedSeq(buckets, d1.AddDays(2), 120)); // no bucket that day: the next one
        Assert.Equal(121, BucketStart.FirstRetainedSeq(buckets, d1.AddDays(4), 120)); // all expired
        Assert.Equal(d1.AddDays(1), BucketStart.Holding(buckets, 89)!.Value.Day);
    }
}
