using Microsoft.Extensions.Logging;
using Polly;
using Polly.Registry;

namespace FunctionsDashboard.Relay;

/// <summary>
/// The dead-letter store's admin side: list the entries, and re-drive them (<c>GET /api/relay/deadletters</c>,
/// <c>POST /api/relay/deadletters/redrive</c>, both behind <see cref="RelayAdminKey"/>).
/// </summary>
public sealed class RelayDeadLetters
{
    /// <summary>Default and largest number of entries one listing returns.</summary>
    public const int DefaultListLimit = 100;

    /// <summary>Largest number of entries one listing returns.</summary>
    public const int MaxListLimit = 1000;

    /// <summary>Longest range one re-drive message covers (as the event log's commits: it fits one read comfortably).</summary>
    internal const int MaxRedriveRange = 49;

    private readonly DeadLetterStore _store;
    private readonly IRelayHandOff _handOff;
    private readonly RelayStats _stats;
    private readonly ResiliencePipeline _handOffPipeline;
    private readonly ILogger<RelayDeadLetters> _logger;

    internal RelayDeadLetters(
        DeadLetterStore store,
        IRelayHandOff handOff,
        RelayStats stats,
        ResiliencePipelineProvider<string> pipelines,
        ILogger<RelayDeadLetters> logger)
    {
        _store = store;
        _handOff = handOff;
        _stats = stats;
        _handOffPipeline = pipelines.GetPipeline(RelayPipelines.Write);
        _logger = logger;
    }

    /// <summary>Up to <paramref name="limit"/> entries (of one stream, or all); <c>Truncated</c> when there are more.</summary>
    public async Task<DeadLetterListing> ListAsync(string? stream, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        limit = Math.Min(limit, MaxListLimit);
        var entries = new List<DeadLetterEntry>();
        await foreach (var entry in _store.ListAsync(stream, cancellationToken))
        {
            if (entries.Count == limit)
            {
                return new DeadLetterListing(entries.Count, Truncated: true, entries);
            }

            entries.Add(entry);
        }

        return new DeadLetterListing(entries.Count, Truncated: false, entries);
    }

    /// <summary>
    /// Queues every dead-lettered event (of one stream, or all) for delivery again, as re-drive messages of consecutive
    /// seqs (<see cref="RelayDeliveryMessage.Redrive"/>: sent although the delivered watermark is past them). Per range:
    /// the message is handed off, then the entries are removed if they are still the version listed; an entry written
    /// again meanwhile (the re-driven event failed again) stays. A crash between hand-off and removal leaves entries that
    /// the re-drive's delivery removes once it delivers them. Entries of unreadable messages cannot be re-driven; they
    /// stay and are counted in <c>NotRedrivable</c>.
    /// </summary>
    public async Task<RedriveResult> RedriveAsync(string? stream, CancellationToken cancellationToken)
    {
        var events = new List<(string Stream, long Seq)>();
        var versions = new Dictionary<(string Stream, long Seq), Azure.ETag>();
        var notRedrivable = 0;
        await foreach (var (entry, etag) in _store.ListVersionedAsync(stream, cancellationToken))
        {
            if (entry.Stream is { } s && entry.Seq is { } seq)
            {
                events.Add((s, seq));
                versions[(s, seq)] = etag;
            }
            else
            {
                notRedrivable++;
            }
        }

        var ranges = Ranges(events);
        foreach (var (rangeStream, first, last) in ranges)
        {
            await _handOffPipeline.ExecuteAsync(
                async (s, ct) => await s.HandOff.HandOffAsync(RelayDeliveryMessage.ForRedrive(s.Stream, s.First, s.Last), ct),
                (HandOff: _handOff, Stream: rangeStream, First: first, Last: last),
                cancellationToken);

            for (var seq = first; seq <= last; seq++)
            {
                await _store.RemoveIfUnchangedAsync(rangeStream, seq, versions[(rangeStream, seq)], cancellationToken);
            }

            _stats.Redriven(last - first + 1);
        }

        RelayDeliveryLog.Redriven(_logger, events.Count, ranges.Count, stream ?? "(all)");
        return new RedriveResult(events.Count, ranges.Count, notRedrivable);
    }

    /// <summary>Consecutive seqs of one stream, at most <see cref="MaxRedriveRange"/> each.</summary>
    internal static List<(string Stream, long First, long Last)> Ranges(IEnumerable<(string Stream, long Seq)> events)
    {
        var ranges = new List<(string Stream, long First, long Last)>();
        foreach (var group in events.GroupBy(e => e.Stream, StringComparer.Ordinal))
        {
            long? first = null, last = null;
            foreach (var seq in group.Select(e => e.Seq).Distinct().Order())
            {
                if (first is { } f && last is { } l && seq == l + 1 && seq - f < MaxRedriveRange)
                {
                    last = seq;
                    continue;
                }

                if (first is { } f2 && last is { } l2)
                {
                    ranges.Add((group.Key, f2, l2));
                }

                first = last = seq;
            }

            if (first is { } f3 && last is { } l3)
            {
                ranges.Add((group.Key, f3, l3));
            }
        }

        return ranges;
    }
}
