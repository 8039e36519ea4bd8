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
        /// index partition, in the head's bucket and, when the stream has one, the previous day's bucket (so a redelivery
        /// within Event Grid's 24 h finds the id across a bucket boundary). A row that exists already is a claim of an
        /// earlier commit: if that commit landed (its marker exists) the event is a duplicate with its seq; if it is still
        /// in flight the event waits; if it can no longer land (older than <see cref="ClaimTimeout"/>, or abandoned by
        /// this writer) it is taken over after a fence on the head.
        /// </summary>
        private async Task ClaimAsync(List<PendingEvent> todo, string token, ClaimState state, PreparedClaims? prepared, CancellationToken cancellationToken)
        {
            if (todo.Count == 0)
            {
                return;
            }

            var head = _head!;
            ConcurrentBag<(PendingEvent Event, DateOnly Table, ClaimRow Claim)>? foreign = null;
            if (prepared is not null && prepared.Token == token && prepared.Bucket == head.Bucket && prepared.WithPrevious == HasPreviousBucket(head)
                && prepared.Events.Count == todo.Count)
            {
                try
                {
                    foreign = await prepared.Submitted; // claimed while the previous commit was being written
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Claim again below: rows this round did write carry our token and count as ours.
                }
            }

            var now = log._timeProvider.GetUtcNow();
            foreign ??= await SubmitClaimsAsync(todo, token, head, now, cancellationToken);
            var byEvent = foreign.GroupBy(f => f.Event).ToDictionary(g => g.Key, g => g.Select(f => (f.Table, f.Claim)).ToList());
            foreach (var p in todo.Where(p => !byEvent.ContainsKey(p)))
            {
                state.Claimed.Add(p);
            }

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
                await TakeOverAsync(takeOver, token, state, cancellationToken);
            }
        }

        private static bool HasPreviousBucket(HeadRow head) => head.Buckets.Any(b => b.Day == head.Bucket.AddDays(-1));

        /// <summary>
        /// Submits the claim rows of <paramref name="todo"/> (one <c>Add</c> transaction per index partition and table):
        /// the head's bucket and, when the stream has one, the previous day's. Returns the rows found claimed by other tokens.
        /// Touches no writer state but the budget, so it may run while the previous commit is being written.
        /// </summary>
        private async Task<ConcurrentBag<(PendingEvent Event, DateOnly Table, ClaimRow Claim)>> SubmitClaimsAsync(
            IReadOnlyList<PendingEvent> todo, string token, HeadRow head, DateTimeOffset now, CancellationToken cancellationToken)
        {
            var tables = new List<DateOnly> { head.Bucket };
            if (HasPreviousBucket(head))
            {
                tables.Add(head.Bucket.AddDays(-1));
            }

            var foreign = new ConcurrentBag<(PendingEvent Event, DateOnly Table, ClaimRow Claim)>();
            var jobs = new List<Task>();
            foreach (var table in tables)
            {
                foreach (var partition in todo.GroupBy(p => EventLogLayout.IndexPartition(stream, p.IdKey), StringComparer.Ordinal))
                {
                    foreach (var chunk in partition.Chunk(EventLogLayout.MaxClaimsPerTransaction))
                    {
                        jobs.Add(ClaimChunkAsync(table, head.Bucket, partition.Key, chunk, token, now, foreign, cancellationToken));
                    }
                }
            }

            await Task.WhenAll(jobs);
            return foreign;
        }

        /// <summary>
        /// Pipelining: claims the ids of the next batch while the current commit is being written, against the head as it
        /// is now. Null when there is no stored head yet or a rollover is due (the claims must go into the commit's bucket).
        /// </summary>
        private PreparedClaims? PrepareClaims(IReadOnlyList<PendingEvent> primaries)
        {
            var head = _head;
            if (head?.ETag is null || head.Bucket < log._store.Today || primaries.Count == 0)
            {
                return null;
            }

            var token = EventLogLayout.NewToken();
            var started = log._timeProvider.GetTimestamp();
            var submitted = SubmitClaimsAsync(primaries, token, head, log._timeProvider.GetUtcNow(), CancellationToken.None);
            return new PreparedClaims(token, started, head.Bucket, HasPreviousBucket(head), primaries, submitted);
        }

        /// <summary>Claims submitted ahead of their commit (see <see cref="PrepareClaims"/>).</summary>
        private sealed record PreparedClaims(
            string Token, long Started, DateOnly Bucket, bool WithPrevious, IReadOnlyList<PendingEvent> Events,
            Task<ConcurrentBag<(PendingEvent Event, DateOnly Table, ClaimRow Claim)>> Submitted);

        private async Task ClaimChunkAsync(
            DateOnly table, DateOnly bucket, string partition, PendingEvent[] chunk, string token, DateTimeOffset now,
            ConcurrentBag<(PendingEvent Event, DateOnly Table, ClaimRow Claim)> foreign, CancellationToken cancellationToken)
        {
            var client = log._store.WriteTable(table);
            IReadOnlyList<PendingEvent> remaining = chunk;
            for (var round = 0; round < 3; round++)
            {
                try
                {
                    _budget.Charge(1);
                    await client.SubmitTransactionAsync(
                        remaining.Select(p => new TableTransactionAction(TableTransactionActionType.Add, EventLogLayout.Claim(stream, p.IdKey, token, bucket, now))),
                        cancellationToken);
                    return;
                }
                catch (TableTransactionFailedException e) when (e.Status == 409)
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
                catch (RequestFailedException e) when (e.Status == 404 && table != bucket)
                {
                    return; // the previous day's table is gone: nothing to find there
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
        private async Task TakeOverAsync(List<(PendingEvent Event, List<(DateOnly Table, ClaimRow Claim)> Claims)> takeOver, string token, ClaimState state, CancellationToken cancellationToken)
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
                        await log._store.WriteTable(table).UpdateEntityAsync(EventLogLayout.Claim(stream, p.IdKey, token, _head!.Bucket, now), claim.ETag, TableUpdateMode.Replace, cancellationToken);
                    }
                    catch (RequestFailedException e) when (e.Status is 404 or 412)
                    {
                        throw new EventLogConflictException($"Stream '{stream}': a claim changed while being taken over (HTTP {e.Status}).");
                    }
                }

                state.Claimed.Add(p);
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
            /// <summary>Claimed under this commit's token (in every table that was asked).</summary>
            public HashSet<PendingEvent> Claimed { get; } = [];

            /// <summary>Ids committed before: id key → seq.</summary>
            public Dictionary<string, long> Stored { get; } = new(StringComparer.Ordinal);

            /// <summary>Claimed by a commit still in flight: they go round again.</summary>
            public HashSet<PendingEvent> Waiting { get; } = [];

            /// <summary>The bucket the claims were made for: a rollover in between means claiming again.</summary>
            public DateOnly? Bucket { get; set; }

            /// <summary>Did not fit into the segment: they go round again.</summary>
            public HashSet<PendingEvent> Overflow { get; } = [];

            public bool IsSettled(PendingEvent p) => Claimed.Contains(p) || Stored.ContainsKey(p.IdKey) || Waiting.Contains(p) || Overflow.Contains(p);
        }
    }
}
