using System.Globalization;

namespace FunctionsDashboard.EventLog;

/// <summary>
/// A committed range of sequence numbers that has not been handed off to the delivery queue yet: the outbox entries
/// kept on a stream's head row. Written in the same transaction as the events, removed once the hand-off succeeded.
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

    /// <summary>The ranges of <paramref name="ranges"/> that are not in <paramref name="remove"/>.</summary>
    public static List<PendingRange> Without(IEnumerable<PendingRange> ranges, IReadOnlyCollection<PendingRange> remove) =>
        ranges.Where(r => !remove.Any(x => x.SameRange(r))).ToList();
}
