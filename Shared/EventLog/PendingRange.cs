using System.Globalization;

namespace FunctionsDashboard.EventLog;

/// <summary>
/// A committed range of sequence numbers that has not been handed off to the delivery queue yet: the outbox entries
/// kept on a stream's head row. Written in the same transaction as the events, removed once the hand-off succeeded.
/// The outbox is a set of seqs: adjacent ranges are merged on the head (<see cref="With"/>), and a hand-off removes the
/// seqs it covers (<see cref="Without"/>).
/// </summary>
/// <param name="First">First sequence number.</param>
/// <param name="Last">Last sequence number (inclusive).</param>
/// <param name="Since">When the range was committed.</param>
internal readonly record struct PendingRange(long First, long Last, DateTimeOffset Since)
{
    public bool Contains(long seq) => seq >= First && seq <= Last;

    public bool SameRange(PendingRange other) => First == other.First && Last == other.Last;

    /// <summary><c>first-last@unixMilliseconds</c>, joined by <c>;</c>.</summary>
    public static string Format(IEnumerable<PendingRange> ranges) =>
        string.Join(';', ranges.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.First}-{r.Last}@{r.Since.ToUnixTimeMilliseconds()}")));

    public static List<PendingRange> Parse(string? text)
    {
        var ranges = new List<PendingRange>();
        if (string.IsNullOrEmpty(text))
        {
            return ranges;
        }

        foreach (var part in text.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var at = part.IndexOf('@', StringComparison.Ordinal);
            var dash = part.IndexOf('-', StringComparison.Ordinal);
            if (at < 0 || dash < 0 || dash > at
                || !long.TryParse(part.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var first)
                || !long.TryParse(part.AsSpan(dash + 1, at - dash - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var last)
                || !long.TryParse(part.AsSpan(at + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var since))
            {
                throw new FormatException($"Malformed pending range '{part}' on an event-log head row.");
            }

            ranges.Add(new PendingRange(first, last, DateTimeOffset.FromUnixTimeMilliseconds(since)));
        }

        return ranges;
    }

    /// <summary>
    /// The outbox as a set of seqs: the seqs of <paramref name="ranges"/> that no range of <paramref name="remove"/> covers
    /// (a range of the outbox may hold several commits' ranges merged, see <see cref="With"/>; what is left of it keeps its
    /// <see cref="Since"/>), in order.
    /// </summary>
    public static List<PendingRange> Without(IEnumerable<PendingRange> ranges, IReadOnlyCollection<PendingRange> remove)
    {
        var left = new List<PendingRange>();
        foreach (var range in ranges)
        {
            var pieces = new List<PendingRange> { range };
            foreach (var x in remove)
            {
                pieces = [.. pieces.SelectMany(p => Minus(p, x))];
            }

            left.AddRange(pieces);
        }

        left.Sort((a, b) => a.First.CompareTo(b.First));
        return left;
    }

    /// <summary>
    /// <paramref name="ranges"/> with <paramref name="added"/>, merged where they overlap or follow each other without a
    /// gap (<see cref="Since"/> of the oldest part): a run of commits the queue has not taken yet is one entry, so a
    /// stalled queue does not fill the outbox while the commits go on.
    /// </summary>
    public static List<PendingRange> With(List<PendingRange> ranges, PendingRange added)
    {
        var all = new List<PendingRange>(ranges) { added };
        all.Sort((a, b) => a.First.CompareTo(b.First));
        var merged = new List<PendingRange>(all.Count);
        foreach (var r in all)
        {
            if (merged.Count > 0 && r.First <= merged[^1].Last + 1)
            {
                var last = merged[^1];
                merged[^1] = new PendingRange(last.First, Math.Max(last.Last, r.Last), last.Since <= r.Since ? last.Since : r.Since);
            }
            else
            {
                merged.Add(r);
            }
        }

        return merged;
    }

    private static IEnumerable<PendingRange> Minus(PendingRange range, PendingRange remove)
    {
        if (remove.Last < range.First || remove.First > range.Last)
        {
            yield return range;
            yield break;
        }

        if (remove.First > range.First)
        {
            yield return range with { Last = remove.First - 1 };
        }

        if (remove.Last < range.Last)
        {
            yield return range with { First = remove.Last + 1 };
        }
    }
}
