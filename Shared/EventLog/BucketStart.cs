using System.Globalization;

namespace FunctionsDashboard.EventLog;

/// <summary>A day bucket of a stream and the first seq committed into it.</summary>
internal readonly record struct BucketStart(DateOnly Day, long FirstSeq)
{
    /// <summary><c>yyyyMMdd:firstSeq</c>, joined by <c>;</c>.</summary>
    public static string Format(IEnumerable<BucketStart> buckets) =>
        string.Join(';', buckets.Select(b => string.Create(CultureInfo.InvariantCulture, $"{EventLogLayout.DayText(b.Day)}:{b.FirstSeq}")));

    public static List<BucketStart> Parse(string? text)
    {
        var list = new List<BucketStart>();
        foreach (var part in (text ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = part.IndexOf(':', StringComparison.Ordinal);
            if (colon != 8 || !long.TryParse(part.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var first))
            {
                throw new FormatException($"Malformed bucket entry '{part}' on an event-log head row.");
            }

            list.Add(new BucketStart(EventLogLayout.ParseDay(part[..colon]), first));
        }

        return list;
    }

    /// <summary>The first seq in a bucket not older than <paramref name="firstRetainedDay"/>; lastSeq + 1 when none.</summary>
    public static long FirstRetainedSeq(IReadOnlyList<BucketStart> buckets, DateOnly firstRetainedDay, long lastSeq)
    {
        for (var i = 0; i < buckets.Count; i++)
        {
            if (buckets[i].Day >= firstRetainedDay)
            {
                return Math.Min(buckets[i].FirstSeq, lastSeq + 1);
            }
        }

        return lastSeq + 1;
    }

    /// <summary>The bucket that holds <paramref name="seq"/> (the last one whose first seq is ≤ it), or null.</summary>
    public static BucketStart? Holding(IReadOnlyList<BucketStart> buckets, long seq)
    {
        BucketStart? found = null;
        foreach (var b in buckets)
        {
            if (b.FirstSeq <= seq)
            {
                found = b;
            }
        }

        return found;
    }
}
