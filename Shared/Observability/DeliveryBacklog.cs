using System.Collections.Concurrent;

namespace FunctionsDashboard.Observability;

/// <summary>
/// What this instance committed and delivery has not settled yet, per stream, for the backlog gauges
/// (<see cref="DashboardMetrics.DeliveryBacklog"/>, <see cref="DashboardMetrics.OldestUndeliveredAge"/>). Fed by the
/// commit listener (<see cref="DeliveryBacklogListener"/>) and by <see cref="DeliverySpan"/>. Events committed by other
/// instances are theirs to report. Holds one entry per unsettled commit, at most <see cref="MaxCommitsPerStream"/>.
/// </summary>
internal sealed class DeliveryBacklog
{
    /// <summary>Most unsettled commits remembered per stream (the oldest are kept; the count stays exact).</summary>
    internal const int MaxCommitsPerStream = 10_000;

    public static DeliveryBacklog Instance { get; } = new();

    private readonly ConcurrentDictionary<string, StreamBacklog> _streams = new(StringComparer.Ordinal);

    internal TimeProvider Time { get; set; } = TimeProvider.System;

    public long Backlog => _streams.Values.Sum(s => s.Count);

    public double OldestAgeSeconds
    {
        get
        {
            var oldest = _streams.Values.Select(s => s.Oldest).Where(t => t is not null).Min();
            return oldest is { } t ? Math.Max(0, (Time.GetUtcNow() - t).TotalSeconds) : 0;
        }
    }

    public void Committed(string stream, long firstSeq, long lastSeq, DateTimeOffset committedAt) =>
        _streams.GetOrAdd(stream, _ => new StreamBacklog()).Committed(firstSeq, lastSeq, committedAt);

    public void Settled(string stream, long throughSeq)
    {
        if (_streams.TryGetValue(stream, out var backlog))
        {
            backlog.Settled(throughSeq);
        }
    }

    private sealed class StreamBacklog
    {
        private readonly Lock _lock = new();
        private readonly Queue<(long First, long Last, DateTimeOffset At)> _commits = new();
        private long _settled;

        public long Count
        {
            get
            {
                lock (_lock)
                {
                    return _commits.Sum(c => c.Last - Math.Max(c.First - 1, _settled));
                }
            }
        }

        public DateTimeOffset? Oldest
        {
            get
            {
                lock (_lock)
                {
                    return _commits.Count > 0 ? _commits.Peek().At : null;
                }
            }
        }

        public void Committed(long first, long last, DateTimeOffset at)
        {
            lock (_lock)
            {
                if (last <= _settled)
                {
                    return;
                }

                if (_commits.Count >= MaxCommitsPerStream)
                {
                    // Keep the oldest entry (its age is what the gauge reports) and fold the rest into the newest.
                    var all = _commits.ToArray();
                    _commits.Clear();
                    _commits.Enqueue(all[0]);
                    _commits.Enqueue((all[1].First, all[^1].Last, all[1].At));
                }

                _commits.Enqueue((first, last, at));
            }
        }

        public void Settled(long through)
        {
            lock (_lock)
            {
                _settled = Math.Max(_settled, through);
                while (_commits.Count > 0 && _commits.Peek().Last <= _settled)
                {
                    _commits.Dequeue();
                }
            }
        }
    }
}
