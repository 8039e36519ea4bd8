using FunctionsDashboard.Relay;

namespace FunctionsDashboard.Tests.Relay;

public sealed class EventLogRowsTests
{
    [Theory]
    [InlineData("8f14e45f-ceea-467f-a0e6-1c6b3f5e1d2a", "id:8f14e45f-ceea-467f-a0e6-1c6b3f5e1d2a")]
    [InlineData("a/b#c?d", "id:a~2Fb~23c~3Fd")]
    [InlineData("a~2Fb", "id:a~7E2Fb")]
    [InlineData("é", "id:~C3~A9")]
    public void IdKey_EscapesEverythingOutsideTheSafeSet(string id, string expected)
    {
        Assert.Equal(expected, EventLogRows.IdKey(id));
    }

    [Fact]
    public void IdKey_LongIds_AreHashedAndStillDistinct()
    {
        var a = EventLogRows.IdKey(new string('/', 400) + "a");
        var b = EventLogRows.IdKey(new string('/', 400) + "b");

        Assert.StartsWith("idh:", a, StringComparison.Ordinal);
        Assert.Equal(4 + 64, a.Length);
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void SeqKey_SortsLikeTheNumbers()
    {
        long[] seqs = [1, 2, 9, 10, 99, 100, 123456789, long.MaxValue];

        var keys = seqs.Select(EventLogRows.SeqKey).ToList();

        Assert.Equal(keys.Order(StringComparer.Ordinal), keys);
        Assert.All(keys, k => Assert.True(string.CompareOrdinal(k, EventLogRows.HeadRowKey) < 0 && string.CompareOrdinal(k, "id:") < 0));
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
}
