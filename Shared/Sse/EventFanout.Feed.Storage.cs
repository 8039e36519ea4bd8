using System.Collections.Immutable;
using FunctionsDashboard.EventLog;

namespace FunctionsDashboard.Sse;

public sealed partial class EventFanout
{
    /// <summary>The feed's storage work, beside the loop: polls of the heads, reads of streams that are behind, checkpoints and their pruning.</summary>
    internal sealed partial class Feed
    {
        private async Task<LogWork> PollAsync(CancellationToken token)
        {
            try
            {
                return new LogWork(await _owner._reader.ListStreamsAsync(token), null);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Storage hiccup: the next tick tries again, nothing is skipped.
                Log.ReadFailed(_owner._logger, "*", e);
                return new LogWork(null, null);
            }
        }

        private Task<LogWork> ReadWantedAsync(CancellationToken token)
        {
            var from = new List<(string Stream, StreamPosition Position)>(_wanted.Count);
            foreach (var stream in _wanted)
            {
                _reading[stream] = [];
                from.Add((stream, _vector.TryGetValue(stream, out var p) ? p : StreamPosition.Start));
            }

            _wanted.Clear();
            return ReadAsync(from, token);
        }

        // Beside the loop: reads only, no positions or subscribers touched.
        private async Task<LogWork> ReadAsync(List<(string Stream, StreamPosition Position)> from, CancellationToken token)
        {
            var reads = new List<StreamRead>(from.Count);
            foreach (var (stream, start) in from)
            {
                var pages = new List<EventLogPage>();
                try
                {
                    var position = start;
                    while (true)
                    {
                        var page = await _owner._reader.ReadAfterAsync(stream, position.Generation, position.Seq, ReadPage, token);
                        pages.Add(page);
                        if (page.Events.Count > 0)
                        {
                            position = new StreamPosition(page.Head.Generation, page.Events[^1].Seq);
                        }

                        if (page.Events.Count < ReadPage)
                        {
                            break;
                        }
                    }

                    reads.Add(new StreamRead(stream, start, pages, Failed: false));
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    Log.ReadFailed(_owner._logger, stream, e);
                    reads.Add(new StreamRead(stream, start, [], Failed: true));
                }
            }

            return new LogWork(null, reads);
        }

        private void MaybeCheckpoint(CancellationToken token)
        {
            if (_changed.Count == 0 || _saving is { IsCompleted: false })
            {
                return;
            }

            var due = _newStream || _changed.Count >= SseCursor.MaxDeltas / 2
                || _owner._time.GetElapsedTime(_checkpointedAt) >= _owner._options.CheckpointInterval;
            if (!due)
            {
                return;
            }

            lock (_gate)
            {
                var snapshot = _vector;
                _changed.Clear();
                _newStream = false;
                _checkpointedAt = _owner._time.GetTimestamp();
                var saving = SaveAsync(snapshot, token);
                _saving = saving;
                Send([FeedItem.ForCheckpoint(saving)], stream: null);
            }
        }

        private async Task<CursorCheckpoint> SaveAsync(ImmutableDictionary<string, StreamPosition> snapshot, CancellationToken token)
        {
            try
            {
                var checkpoint = await _owner._checkpoints.SaveAsync(snapshot, token);
                lock (_gate)
                {
                    _latest = checkpoint;
                }

                return checkpoint;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Clients keep their longer cursors (or write their own checkpoint); the next one may succeed.
                Log.CheckpointFailed(_owner._logger, e);
                throw;
            }
        }

        private async Task PruneQuietlyAsync(CancellationToken token)
        {
            try
            {
                await _owner._checkpoints.PruneAsync(token);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Log.CheckpointFailed(_owner._logger, e);
            }
        }

        /// <summary>What a piece of storage work brought back: the heads (a poll) or stream reads.</summary>
        private sealed record LogWork(IReadOnlyList<StreamHead>? Heads, IReadOnlyList<StreamRead>? Reads);

        /// <summary>The pages of one stream read from <paramref name="From"/> up to its head (or a failure).</summary>
        private sealed record StreamRead(string Stream, StreamPosition From, IReadOnlyList<EventLogPage> Pages, bool Failed);
    }
}
