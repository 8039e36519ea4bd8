using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;
using FunctionsDashboard.Relay;

namespace FunctionsDashboard.EventLog;

public sealed partial class EventLogWriter
{
    private sealed partial class StreamWriter
    {
        /// <summary>
        /// Claims the ids of <paramref name="todo"/> under <paramref name="token"/>: one transaction of <c>Add</c> rows per
        /// index partition in each of the commit's index windows (<see cref="ClaimWindows"/>), the previous window first:
        /// only an id claimed there is claimed in the current window, so two writers racing on a window's first day never
        /// hold one row each of the same id (each would wait for the other). A row that exists already is a claim of an
        /// earlier commit: if that commit landed (its marker exists) the event is a duplicate with its seq; if it is still
        /// in flight the event waits; if it can no longer land (older than <see cref="ClaimTimeout"/>, or abandoned by this
        /// writer) it is taken over after a fence on the head. An event is claimed when it holds its row in every window.
        /// </summary>
        /// <param name="todo">The events to claim.</param>
        /// <param name="token">The commit's token.</param>
        /// <param name="state">What became of the events so far.</param>
        /// <param name="basis">The head the claims are made for: its bucket and the stream's buckets decide the windows.</param>
        /// <param name="cancellationToken">Cancels the storage calls.</param>
        private async Task ClaimAsync(List<PendingEvent> todo, string token, ClaimState state, HeadRow basis, CancellationToken cancellationToken)
        {
            IReadOnlyList<PendingEvent> remaining = todo;
            var windows = ClaimWindows(basis);
            for (var i = windows.Count - 1; i >= 0 && remaining.Count > 0; i--)
            {
                remaining = await ClaimInWindowAsync(remaining, windows[i], current: i == 0, token, basis.Bucket, state, cancellationToken);
            }

            state.Claimed.UnionWith(remaining);
        }

        /// <summary>Claims <paramref name="todo"/> in one window; returns the events that hold their row there now.</summary>
        private async Task<List<PendingEvent>> ClaimInWindowAsync(
            IReadOnlyList<PendingEvent> todo, DateOnly window, bool current, string token, DateOnly bucket, ClaimState state, CancellationToken cancellationToken)
        {
            var now = log._timeProvider.GetUtcNow();
            var foreign = await SubmitClaimsAsync(todo, token, window, current, bucket, now, cancellationToken);
            var byEvent = foreign.GroupBy(f => f.Event).ToDictionary(g => g.Key, g => g.Select(f => (f.Table, f.Claim)).ToList());
            var claimed = todo.Where(p => !byEvent.ContainsKey(p)).ToList();
            var takeOver = new List<(PendingEvent Event, List<(DateOnly Table, ClaimRow Claim)> Claims)>();
            var segments = new Dictionary<string, (long First, List<string> Ids)?>(StringComparer.Ordinal);
            foreach (var (p, claims) in byEvent)
            {
                if (await CommittedSeqAsync(p, claims, segments, cancellationToken) is { } seq)
                {
                    state.Stored[p.IdKey] = seq;
                }
                else if (claims.All(c => _abandoned.Contains(c.Claim.Token) || now - c.Claim.At >= log.ClaimTimeout))
                {
                    takeOver.Add((p, claims));
                }
                else
                {
                    state.Waiting.Add(p);
                }
            }

            if (takeOver.Count > 0)
            {
                await TakeOverAsync(takeOver, token, state, claimed, cancellationToken);
            }

            return claimed;
        }

        /// <summary>
        /// The id-index windows a commit into <paramref name="head"/>'s bucket claims in: the bucket's window, and the
        /// previous window when the bucket is the first day of its window and the stream has a bucket for the day before
        /// (a redelivery less than 24 h after a commit of that day must meet its claim).
        /// </summary>
        internal static IReadOnlyList<DateOnly> ClaimWindows(HeadRow head)
        {
            var window = EventLogLayout.IndexWindow(head.Bucket);
            var yesterday = head.Bucket.AddDays(-1);
            return EventLogLayout.IndexWindow(yesterday) != window && head.Buckets.Any(b => b.Day == yesterday)
                ? [window, EventLogLayout.IndexWindow(yesterday)]
                : [window];
        }

        /// <summary>
        /// Submits the claim rows of <paramref name="todo"/> in one window (one <c>Add</c> transaction per index partition,
        /// all in parallel). Returns the rows found claimed by other tokens.
        /// </summary>
        private async Task<ConcurrentBag<(PendingEvent Event, DateOnly Table, ClaimRow Claim)>> SubmitClaimsAsync(
            IReadOnlyList<PendingEvent> todo, string token, DateOnly window, bool current, DateOnly bucket, DateTimeOffset now, CancellationToken cancellationToken)
        {
            if (current)
            {
                await log._store.EnsureIndexTableAsync(window, cancellationToken);
            }

            var foreign = new ConcurrentBag<(PendingEvent Event, DateOnly Table, ClaimRow Claim)>();
            var jobs = new List<Task>();
            foreach (var partition in todo.GroupBy(p => EventLogLayout.IndexPartition(stream, p.IdKey), StringComparer.Ordinal))
            {
                foreach (var chunk in partition.Chunk(EventLogLayout.MaxClaimsPerTransaction))
                {
                    jobs.Add(ClaimChunkAsync(window, current, bucket, partition.Key, chunk, token, now, foreign, cancellationToken));
                }
            }

            await Task.WhenAll(jobs);
            return foreign;
        }

        private async Task ClaimChunkAsync(
            DateOnly table, bool current, DateOnly bucket, string partition, PendingEvent[] chunk, string token, DateTimeOffset now,
            ConcurrentBag<(PendingEvent Event, DateOnly Table, ClaimRow Claim)> foreign, CancellationToken cancellationToken)
        {
            var client = log._store.WriteIndexTable(table);
            IReadOnlyList<PendingEvent> remaining = chunk;
            for (var round = 0; round < 3; round++)
            {
                try
                {
                    _budget.Charge(1);
                    if (remaining.Count == 1)
                    {
                        // One row: a plain insert, not a transaction of one. Same atomicity and the same 409 when the row
                        // exists, at less work for the service (no multipart body to build, parse and answer).
                        await client.AddEntityAsync(EventLogLayout.Claim(stream, remaining[0].IdKey, token, bucket, now), cancellationToken);
                    }
                    else
                    {
                        await client.SubmitTransactionAsync(
                            remaining.Select(p => new TableTransactionAction(TableTransactionActionType.Add, EventLogLayout.Claim(stream, p.IdKey, token, bucket, now))),
                            cancellationToken);
                    }

                    return;
                }
                catch (RequestFailedException e) when (e.Status == 409)
                {
                    // Some ids are claimed already (a redelivery, or our own earlier try): look at each row of the chunk.
                    _budget.Charge(remaining.Count);
                    var rows = await Task.WhenAll(remaining.Select(async p =>
                        (Event: p, Row: await client.GetEntityIfExistsAsync<TableEntity>(partition, p.IdKey, cancellationToken: cancellationToken))));
                    var next = new List<PendingEvent>();
                    foreach (var (p, row) in rows)
                    {
                        if (!row.HasValue)
                        {
                            next.Add(p);
                        }
                        else if (EventLogLayout.ReadClaim(row.Value!) is var claim && claim.Token != token)
                        {
                            foreign.Add((p, table, claim));
                        }
                    }

                    if (next.Count == 0)
                    {
                        return;
                    }

                    remaining = next;
                }
                catch (RequestFailedException e) when (e.Status == 404 && !current)
                {
                    return; // the previous window's table is gone: nothing to find there
                }
            }

            throw new EventLogConflictException($"Stream '{stream}': id claims kept changing.");
        }

        /// <summary>The seq under which one of <paramref name="claims"/> was committed, or null when none of them landed.</summary>
        private async Task<long?> CommittedSeqAsync(
            PendingEvent p, List<(DateOnly Table, ClaimRow Claim)> claims, Dictionary<string, (long First, List<string> Ids)?>? cache, CancellationToken cancellationToken)
        {
            foreach (var (_, claim) in claims)
            {
                (long First, List<string> Ids)? segment = null;
                if (cache is null || !cache.TryGetValue(claim.Token, out segment))
                {
                    segment = await SegmentOfTokenAsync(claim.Token, claim.Bucket, cancellationToken);
                    cache?.Add(claim.Token, segment);
                }

                if (segment is { } s && s.Ids.IndexOf(p.Event.Id) is var index and >= 0)
                {
                    return s.First + index;
                }
            }

            return null;
        }

        /// <summary>The marker of a commit token (in its claim's bucket or the next one, if a rollover came between).</summary>
        private async Task<(long First, long Last, DateOnly Day)?> FindMarkerAsync(string token, DateOnly bucket, CancellationToken cancellationToken)
        {
            foreach (var day in new[] { bucket, bucket.AddDays(1) })
            {
                try
                {
                    var row = await log._store.WriteTable(day).GetEntityIfExistsAsync<TableEntity>(stream, EventLogLayout.MarkerKey(token), cancellationToken: cancellationToken);
                    if (row.HasValue)
                    {
                        return (row.Value!.GetInt64("First") ?? 0, row.Value.GetInt64("Last") ?? 0, day);
                    }
                }
                catch (RequestFailedException e) when (e.Status == 404)
                {
                    // No such bucket table.
                }
            }

            return null;
        }

        private async Task<(long First, List<string> Ids)?> SegmentOfTokenAsync(string token, DateOnly bucket, CancellationToken cancellationToken)
        {
            if (await FindMarkerAsync(token, bucket, cancellationToken) is not { } marker)
            {
                return null;
            }

            var row = await log._store.WriteTable(marker.Day).GetEntityAsync<TableEntity>(stream, EventLogLayout.SeqKey(marker.Last), cancellationToken: cancellationToken);
            return (marker.First, SegmentCodec.Ids(EventLogLayout.ReadSegment(row.Value)));
        }

        /// <summary>
        /// Takes over claims whose commit can no longer land. Order matters: the head is read after the claims, the markers
        /// are looked up again after that, then the head is written (the fence: a commit prepared against any earlier head
        /// now fails its ETag condition), and only then each claim is replaced, conditioned on the ETag it was read with.
        /// </summary>
        private async Task TakeOverAsync(
            List<(PendingEvent Event, List<(DateOnly Table, ClaimRow Claim)> Claims)> takeOver, string token, ClaimState state, List<PendingEvent> claimed, CancellationToken cancellationToken)
        {
            _head = await LoadHeadAsync(cancellationToken);
            var still = new List<(PendingEvent Event, List<(DateOnly Table, ClaimRow Claim)> Claims)>();
            foreach (var (p, claims) in takeOver)
            {
                if (await CommittedSeqAsync(p, claims, null, cancellationToken) is { } seq)
                {
                    state.Stored[p.IdKey] = seq;
                }
                else
                {
                    still.Add((p, claims));
                }
            }

            if (still.Count == 0)
            {
                return;
            }

            await FenceAsync(cancellationToken);
            var now = log._timeProvider.GetUtcNow();
            foreach (var (p, claims) in still)
            {
                foreach (var (table, claim) in claims)
                {
                    try
                    {
                        await log._store.WriteIndexTable(table).UpdateEntityAsync(EventLogLayout.Claim(stream, p.IdKey, token, _head!.Bucket, now), claim.ETag, TableUpdateMode.Replace, cancellationToken);
                    }
                    catch (RequestFailedException e) when (e.Status is 404 or 412)
                    {
                        throw new EventLogConflictException($"Stream '{stream}': a claim changed while being taken over (HTTP {e.Status}).");
                    }
                }

                claimed.Add(p);
            }

            EventLogLog.ClaimsTakenOver(log._logger, stream, still.Count);
        }

        /// <summary>Writes the head unchanged (new ETag), or creates it: no commit prepared against an earlier head can land.</summary>
        private async Task FenceAsync(CancellationToken cancellationToken)
        {
            var head = _head!;
            _head = await WriteHeadAsync(head, head, "fencing", cancellationToken);
        }

        /// <summary>What became of the events of one commit attempt, across its tries.</summary>
        private sealed class ClaimState
        {
            /// <summary>Claimed under this commit's token (in every index window that was asked).</summary>
            public HashSet<PendingEvent> Claimed { get; } = [];

            /// <summary>Ids committed before: id key → seq.</summary>
            public Dictionary<string, long> Stored { get; } = new(StringComparer.Ordinal);

            /// <summary>Claimed by a commit still in flight: they go round again.</summary>
            public HashSet<PendingEvent> Waiting { get; } = [];

            /// <summary>The index windows the claims were made in: a rollover that changes them means claiming again.</summary>
            public IReadOnlyList<DateOnly>? Windows { get; set; }

            /// <summary>Did not fit into the segment: they go round again.</summary>
            public HashSet<PendingEvent> Overflow { get; } = [];

            public bool IsSettled(PendingEvent p) => Claimed.Contains(p) || Stored.ContainsKey(p.IdKey) || Waiting.Contains(p) || Overflow.Contains(p);
        }

        /// <summary>Tokens of this writer's commits that did not complete: their claims may be taken over at once.</summary>
        private sealed class AbandonedTokens
        {
            private const int Capacity = 256;
            private readonly Queue<string> _order = new();
            private readonly HashSet<string> _set = new(StringComparer.Ordinal);

            public void Add(string token)
            {
                if (_set.Add(token))
                {
                    _order.Enqueue(token);
                    if (_order.Count > Capacity)
                    {
                        _set.Remove(_order.Dequeue());
                    }
                }
            }

            public bool Contains(string token) => _set.Contains(token);
        }
    }
}
