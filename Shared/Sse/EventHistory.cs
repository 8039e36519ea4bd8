using FunctionsDashboard.Access;
using FunctionsDashboard.EventLog;

namespace FunctionsDashboard.Sse;

/// <summary>The history API's reads: by cursor over every stream of a scope, by stream and seq, and the stream list.</summary>
public sealed class EventHistory(IEventLogReader reader, CursorCheckpoints checkpoints, StreamReadPlanner planner)
{
    /// <summary>Largest page.</summary>
    public const int MaxLimit = 1000;

    /// <summary>Up to <paramref name="limit"/> events after the plan's cursor (from the oldest retained without one).</summary>
    public async Task<HistoryPage> ReadAsync(ReadPlan plan, int limit, CancellationToken cancellationToken)
    {
        var resume = plan.Resume;
        var state = resume is not null
            ? new CursorState(planner.CursorKey, plan.SubscriptionHash, resume.Checkpoint, resume.Deltas)
            : new CursorState(planner.CursorKey, plan.SubscriptionHash, CursorCheckpoint.Empty);
        var expired = resume?.Expired == true;
        var events = new List<DashboardEvent>();
        var resets = new List<SseSession.ResetNotice>();
        var more = false;
        foreach (var head in (await reader.ListStreamsAsync(cancellationToken)).Where(h => plan.Scope.Contains(h.Stream)).OrderBy(h => h.Stream, StringComparer.Ordinal))
        {
            var position = state.PositionOf(head.Stream);
            var sameGeneration = position.Generation is null || position.Generation == head.Generation;
            if (!expired && sameGeneration && position.Seq >= head.LastSeq)
            {
                continue;
            }

            var remaining = limit - events.Count;
            if (remaining <= 0)
            {
                more = true;
                break;
            }

            var page = await reader.ReadAfterAsync(head.Stream, position.Generation, position.Seq, remaining, cancellationToken);
            if (page.Reset || expired)
            {
                var resetTo = page.Events.Count > 0 ? page.Events[0].Seq - 1 : Math.Max(0, page.Head.FirstRetainedSeq - 1);
                state.Advance(head.Stream, new StreamPosition(page.Head.Generation, resetTo));
                resets.Add(new SseSession.ResetNotice(head.Stream, page.Head.Generation, resetTo));
            }

            foreach (var e in page.Events)
            {
                events.Add(DashboardEvent.From(e));
                state.Advance(head.Stream, new StreamPosition(page.Head.Generation, e.Seq));
            }

            if (page.Events.Count >= remaining && state.PositionOf(head.Stream).Seq < page.Head.LastSeq)
            {
                more = true;
            }
        }

        if (state.OverBound)
        {
            await state.CheckpointAsync(checkpoints, cancellationToken);
        }

        return new HistoryPage(state.Encode(), events, resets.Count > 0, resets, more);
    }

    /// <summary>Up to <paramref name="limit"/> events of one stream after <paramref name="after"/>.</summary>
    public async Task<StreamHistoryPage> ReadStreamAsync(string stream, string? generation, long after, int limit, CancellationToken cancellationToken)
    {
        var page = await reader.ReadAfterAsync(stream, generation, after, limit, cancellationToken);
        return new StreamHistoryPage(stream, page.Head.Generation, page.Head.LastSeq, page.Head.FirstRetainedSeq, page.Reset, page.Events.Select(DashboardEvent.From).ToList());
    }

    /// <summary>The heads of the streams in <paramref name="scope"/>, by name.</summary>
    public async Task<IReadOnlyList<StreamHead>> StreamsAsync(StreamSet scope, CancellationToken cancellationToken) =>
        (await reader.ListStreamsAsync(cancellationToken)).Where(h => scope.Contains(h.Stream)).OrderBy(h => h.Stream, StringComparer.Ordinal).ToList();
}
