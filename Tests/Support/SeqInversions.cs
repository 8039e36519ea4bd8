namespace FunctionsDashboard.Tests.Support;

/// <summary>Counts order violations in what clients received: the end-to-end tests' "ascending seq per stream" check.</summary>
internal static class SeqInversions
{
    /// <summary>
    /// Receipts (in arrival order) whose seq is below the highest one that client already had from that stream.
    /// </summary>
    public static int Count<T>(IEnumerable<T> receipts, Func<T, int> client, Func<T, string> stream, Func<T, long> seq) =>
        receipts.GroupBy(r => (client(r), stream(r))).Sum(g =>
        {
            long last = 0;
            var inversions = 0;
            foreach (var r in g)
            {
                inversions += seq(r) < last ? 1 : 0;
                last = Math.Max(last, seq(r));
            }

            return inversions;
        });
}
