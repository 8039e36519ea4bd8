using FunctionsDashboard.EventLog;

namespace FunctionsDashboard.Relay;

/// <summary>
/// <see cref="IEventLogReader"/> over the first event log layout (one generation, nothing expires). Placeholder until
/// the event log v2 (Shared/RelayEventLog) implements the reader itself.
/// </summary>
public sealed class EventLogReaderAdapter(RelayEventLog log) : IEventLogReader
{
    /// <summary>The one generation of the first layout.</summary>
    public const string FirstGeneration = "g1";

    /// <inheritdoc />
    public async Task<EventLogPage> ReadAfterAsync(string stream, string? generation, long afterSeq, int limit, CancellationToken cancellationToken)
    {
        var head = await GetHeadAsync(stream, cancellationToken) ?? new StreamHead(stream, FirstGeneration, 0, 1);
        var reset = (generation is not null && generation != head.Generation) || afterSeq > head.LastSeq || afterSeq < 0;
        var events = await log.ReadAfterAsync(stream, reset ? 0 : afterSeq, limit, cancellationToken);
        return new EventLogPage(events, head, reset);
    }

    /// <inheritdoc />
    public async Task<StreamHead?> GetHeadAsync(string stream, CancellationToken cancellationToken)
    {
        var last = await log.GetLastSeqAsync(stream, cancellationToken);
        return last == 0 ? null : new StreamHead(stream, FirstGeneration, last, 1);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<StreamHead>> ListStreamsAsync(CancellationToken cancellationToken)
    {
        var heads = new List<StreamHead>();
        foreach (var stream in await log.ListStreamsAsync(cancellationToken))
        {
            if (await GetHeadAsync(stream, cancellationToken) is { } head)
            {
                heads.Add(head);
            }
        }

        return heads;
    }
}
