using Azure;
using Azure.Data.Tables;
using FunctionsDashboard.Relay;

namespace FunctionsDashboard.EventLog;

public sealed partial class EventLogWriter
{
    private sealed partial class StreamWriter
    {
        /// <summary>
        /// Reads the stream's live head: from the directory's bucket along sealed heads. A new stream is listed in the
        /// directory first (the first instance's bucket wins). A head not stored yet (new stream, or a rollover that
        /// crashed after sealing) comes back without ETag, and the next commit adds it. Then the rollback checks: a head
        /// behind what this instance acknowledged, or segments stored beyond the head, start a new generation.
        /// </summary>
        private async Task<HeadRow> LoadHeadAsync(CancellationToken cancellationToken)
        {
            var store = log._store;
            var directory = await store.Directory.GetAsync(stream, cancellationToken);
            if (directory is null)
            {
                var today = store.Today;
                await store.EnsureTableAsync(today, cancellationToken);
                directory = await store.Directory.CreateAsync(HeadRow.New(stream, today, 0, 1), cancellationToken);
            }

            var head = await store.FindHeadAsync(stream, directory.Bucket, forWrite: true, cancellationToken);
            if (head is null)
            {
                // Listed but no head: its first commit is still to come, or its bucket is gone (idle for longer than
                // retention, or storage lost it): continue from what the directory knows.
                var day = directory.Bucket >= store.FirstRetainedDay ? directory.Bucket : store.Today;
                await store.EnsureTableAsync(day, cancellationToken);
                List<BucketStart> buckets = directory.Buckets.Any(b => b.Day == day) ? [.. directory.Buckets] : [.. directory.Buckets, new BucketStart(day, directory.LastSeq + 1)];
                head = new HeadRow(stream, day, directory.LastSeq, directory.Generation, directory.Epoch, [], buckets, null, null);
            }
            else if (head.Next is { } next)
            {
                // A rollover sealed this head but crashed before writing its successor: the next commit adds it.
                await store.EnsureTableAsync(next, cancellationToken);
                head = store.Successor(head, next);
            }

            return await CheckRollbackAsync(head, null, cancellationToken);
        }

        /// <summary>
        /// Reads the head again after another writer moved it (a commit got 412): the row in the bucket it was in (along
        /// sealed heads), with the rollback check's segment lookup sent at the same time (segment keys only, from the stale
        /// head on), so a conflict costs one round trip instead of three (directory, head, segments). A head that moved
        /// to another bucket, or is gone, is read the long way.
        /// </summary>
        private async Task<HeadRow> ReloadMovedHeadAsync(HeadRow stale, CancellationToken cancellationToken)
        {
            var beyond = log._store.LastSegmentFromAsync(stream, stale.Bucket, stale.LastSeq + 1, cancellationToken);
            var head = await log._store.FindHeadAsync(stream, stale.Bucket, forWrite: true, cancellationToken);
            long stored;
            try
            {
                stored = await beyond;
            }
            catch (Exception) when (head is null || head.Bucket != stale.Bucket || head.Next is not null)
            {
                stored = 0; // not used: read the long way below
            }

            if (head is null || head.Bucket != stale.Bucket || head.Next is not null)
            {
                return await LoadHeadAsync(cancellationToken);
            }

            return await CheckRollbackAsync(head, stored, cancellationToken);
        }

        /// <summary>Detects a log that lost its tail; when it did, starts a new generation (and says so loudly).</summary>
        /// <param name="head">The head as read.</param>
        /// <param name="storedLast">
        /// The highest last seq of the head's bucket's segments from some seq ≤ the head's on, when already looked up
        /// (<see cref="ReloadMovedHeadAsync"/>); null: look it up now.
        /// </param>
        /// <param name="cancellationToken">Cancels the lookups.</param>
        private async Task<HeadRow> CheckRollbackAsync(HeadRow head, long? storedLast, CancellationToken cancellationToken)
        {
            long known = 0;
            string? evidence = null;
            if (_acknowledged is { } acked && (head.Epoch < acked.Epoch || (head.Epoch == acked.Epoch && head.LastSeq < acked.LastSeq)))
            {
                known = acked.LastSeq;
                evidence = "acknowledged by this instance";
            }

            // A segment beyond a head whose ETag is current means storage lost the head's last writes (a commit writes
            // both in one transaction). One committed after the head was read only looks like that: the new generation's
            // ETag-conditioned write then fails, and the head is read again.
            var last = storedLast ?? await log._store.LastSegmentFromAsync(stream, head.Bucket, head.LastSeq + 1, cancellationToken);
            if (last > head.LastSeq && last > known)
            {
                known = last;
                evidence = "stored in a segment beyond the head";
            }

            if (evidence is null)
            {
                return head;
            }

            return await StartGenerationAsync(head, known, evidence, cancellationToken);
        }

        /// <summary>
        /// Writes <paramref name="row"/> over the head as it was read (<paramref name="read"/>): conditioned on its ETag, or
        /// an add when it was new. Returns the row with its new ETag; a conflict forgets the cached head and throws.
        /// </summary>
        private async Task<HeadRow> WriteHeadAsync(HeadRow read, HeadRow row, string doing, CancellationToken cancellationToken)
        {
            var table = log._store.WriteTable(read.Bucket);
            var entity = EventLogLayout.Head(row, log._timeProvider.GetUtcNow());
            try
            {
                var response = read.ETag is { } etag
                    ? await table.UpdateEntityAsync(entity, etag, TableUpdateMode.Replace, cancellationToken)
                    : await table.AddEntityAsync(entity, cancellationToken);
                return row with { ETag = response.Headers.ETag };
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412)
            {
                _head = null;
                throw new EventLogConflictException($"The head of stream '{stream}' changed while {doing} (HTTP {e.Status}).");
            }
        }

        /// <summary>
        /// Starts a new generation after a detected rollback: the counter continues after the highest seq known to have
        /// existed, so no position is ever given to a second event, and readers of the old generation get a reset.
        /// </summary>
        private async Task<HeadRow> StartGenerationAsync(HeadRow head, long knownSeq, string evidence, CancellationToken cancellationToken)
        {
            var epoch = Math.Max(head.Epoch, _acknowledged?.Epoch ?? 0) + 1;
            var fresh = head with { Generation = EventLogLayout.NewGeneration(epoch), Epoch = epoch, LastSeq = Math.Max(head.LastSeq, knownSeq) };
            fresh = await WriteHeadAsync(head, fresh, "starting a new generation", cancellationToken);

            EventLogLog.RollbackDetected(log._logger, stream, head.LastSeq, head.Generation, knownSeq, evidence, fresh.Generation, fresh.LastSeq + 1);
            _head = fresh;
            _acknowledged = fresh;
            try
            {
                await log._store.Directory.WriteAsync(fresh, cancellationToken);
            }
            catch (RequestFailedException)
            {
                log._store.Directory.Publish(fresh);
            }

            return fresh;
        }

        /// <summary>The first commit of a new UTC day moves the head into that day's bucket (seal, then successor).</summary>
        private async Task RollOverIfDueAsync(CancellationToken cancellationToken)
        {
            var head = _head!;
            var today = log._store.Today;
            if (head.Bucket >= today || head.ETag is null)
            {
                return; // a head not stored yet stays where the directory points until it is
            }

            try
            {
                _head = await log._store.MoveHeadAsync(head, today, cancellationToken);
            }
            catch (RequestFailedException e) when (e.Status is 404 or 409 or 412)
            {
                // 404: the head's bucket is gone (retention moved the head of this idle stream, then dropped the table).
                _head = null;
                throw new EventLogConflictException($"The head of stream '{stream}' moved while rolling over (HTTP {e.Status}).");
            }

            EventLogLog.RolledOver(log._logger, stream, EventLogLayout.DayText(head.Bucket), EventLogLayout.DayText(today), head.LastSeq);
            try
            {
                await log._store.Directory.WriteAsync(_head, cancellationToken);
            }
            catch (RequestFailedException)
            {
                log._store.Directory.Publish(_head);
            }
        }

        private async Task ReportAsync(AheadReport report)
        {
            try
            {
                var head = await log._writePipeline.ExecuteAsync(
                    async ct =>
                    {
                        _head = await LoadHeadAsync(ct);
                        if (_head.Generation == report.Generation && _head.LastSeq < report.Seq)
                        {
                            await StartGenerationAsync(_head, report.Seq, "seen by a reader", ct);
                        }

                        return _head;
                    },
                    CancellationToken.None);
                report.Completion.TrySetResult(head);
            }
            catch (Exception e)
            {
                report.Completion.TrySetException(e);
            }
        }

        private sealed class AheadReport(string generation, long seq)
        {
            public string Generation { get; } = generation;

            public long Seq { get; } = seq;

            public TaskCompletionSource<HeadRow?> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }
}
