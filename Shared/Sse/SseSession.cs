using System.Globalization;
using System.Text;
using FunctionsDashboard.EventLog;
using FunctionsDashboard.Observability;
using FunctionsDashboard.Options;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Sse;

/// <summary>
/// One Server-Sent Events response over every stream of its scope: <c>retry:</c> hint, the events after the cursor
/// from the log (per stream, in seq order), then live events from the <see cref="EventFanout"/>. Each event frame is
/// <c>id:</c> = the cursor after it (opaque, bounded; see <see cref="SseCursor"/>), <c>event:</c> = type unless untyped,
/// <c>data:</c> = the event JSON. A stream whose position the log no longer holds gets an <c>event: reset</c> frame and
/// then its oldest retained event. <c>:</c> heartbeat comments every <see cref="DashboardOptions.HeartbeatInterval"/> of
/// silence, and a clean end after <see cref="SseOptions.MaxStreamDuration"/> (the browser resumes with
/// <c>Last-Event-ID</c>). Event and reset frames are formatted by <see cref="System.Net.ServerSentEvents.SseFormatter"/>
/// (an event's frame once for every response at the same cursor, see <see cref="EventFrame"/>); the frames at hand are
/// written and flushed together before the response waits again. A client going away ends the response normally.
/// Host-agnostic: it writes to a <see cref="Stream"/>.
/// </summary>
public sealed partial class SseSession(
    IEventLogReader reader,
    EventFanout fanout,
    CursorCheckpoints checkpoints,
    StreamReadPlanner planner,
    IOptions<SseOptions> sseOptions,
    IOptions<DashboardOptions> dashboardOptions,
    TimeProvider timeProvider,
    ILogger<SseSession> logger)
{
    private const int CatchUpPage = 500;
    private static readonly byte[] HeartbeatFrame = Encoding.UTF8.GetBytes(": heartbeat\n\n");
    private static readonly byte[] CapFrame = Encoding.UTF8.GetBytes(": stream cap reached, reconnect with Last-Event-ID\n\n");
    private readonly byte[] _retryFrame = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"retry: {(int)sseOptions.Value.RetryHint.TotalMilliseconds}\n\n"));

    /// <summary>Streams the events of <paramref name="plan"/> to <paramref name="body"/> until the cap or the client leaves.</summary>
    /// <returns>How many events were written.</returns>
    public async Task<long> RunAsync(Stream body, ReadPlan plan, bool typed, CancellationToken cancellationToken)
    {
        // One token for the whole response, cancelled when the client goes away or when the cap's timer fires: an idle
        // response holds one linked source and one timer, and waiting for events allocates nothing (see Subscription).
        using var session = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var cap = timeProvider.CreateTimer(static s => CancelQuietly((CancellationTokenSource)s!), session, sseOptions.Value.MaxStreamDuration, Timeout.InfiniteTimeSpan);
        // (The session's token and the heartbeat interval are read where used, not kept in locals: every local of this
        // method lives in the state machine of every idle response.)
        var writer = new Writer(body, typed);
        DashboardMetrics.SseClients.Add(1);
        try
        {
            var subscription = await fanout.SubscribeAsync(plan.Scope, session.Token);

            // After subscribing: a client that sees the retry hint knows every later event reaches it.
            await WriteAsync(body, _retryFrame, session.Token);
            try
            {
                var state = plan.Resume is { } resume
                    ? new CursorState(planner.CursorKey, plan.SubscriptionHash, resume.Checkpoint, resume.Deltas)
                    : new CursorState(planner.CursorKey, plan.SubscriptionHash, subscription.StartCheckpoint, Differences(subscription, plan));
                HashSet<string>? ahead = null;
                if (plan.Resume is not null)
                {
                    ahead = await CatchUpAsync(writer, state, subscription, plan.Resume.Expired, session.Token);
                    await writer.FlushAsync(session.Token);
                }

                if (state.OverBound)
                {
                    await state.CheckpointAsync(checkpoints, session.Token);
                }

                while (!session.IsCancellationRequested)
                {
                    if (subscription.TryRead(out var item))
                    {
                        await HandleAsync(writer, state, item, ahead, session.Token);
                        continue;
                    }

                    // Everything buffered is written: one flush for the lot before waiting.
                    await writer.FlushAsync(session.Token);
                    if (subscription.IsCompleted)
                    {
                        // Fell behind: resume from the log, then rejoin the fan-out.
                        Log.Lagged(logger, writer.Events);
                        subscription.Dispose();
                        subscription = await fanout.SubscribeAsync(plan.Scope, session.Token);
                        ahead = await CatchUpAsync(writer, state, subscription, forceReset: false, session.Token);
                        await writer.FlushAsync(session.Token);
                        continue;
                    }

                    if (!await subscription.WaitAsync(dashboardOptions.Value.HeartbeatInterval, session.Token))
                    {
                        // A heartbeat interval of silence.
                        await WriteAsync(body, HeartbeatFrame, session.Token);
                    }
                }
            }
            finally
            {
                subscription.Dispose();
            }
        }
        catch (OperationCanceledException) when (session.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // The cap: end cleanly so the client reconnects (well before the front end's 230 s limit).
        }
        catch (Exception e) when (cancellationToken.IsCancellationRequested && e is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // The client went away: a normal end of the response.
            Log.ClientLeft(logger, writer.Events);
            return writer.Events;
        }
        finally
        {
            DashboardMetrics.SseClients.Add(-1);
        }

        if (session.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            try
            {
                await writer.FlushAsync(cancellationToken);
                await WriteAsync(body, CapFrame, cancellationToken);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
            {
                // Left just as the cap came.
            }
        }

        return writer.Events;
    }

    // The streams where the fan-out's position (where this response starts) differs from its checkpoint.
    private static IEnumerable<KeyValuePair<string, StreamPosition>> Differences(EventFanout.Subscription subscription, ReadPlan plan)
    {
        foreach (var (stream, position) in subscription.StartVector)
        {
            if (plan.Scope.Contains(stream) && subscription.StartCheckpoint.PositionOf(stream) != position)
            {
                yield return new(stream, position);
            }
        }
    }

    private async Task HandleAsync(Writer writer, CursorState state, FeedItem item, HashSet<string>? ahead, CancellationToken token)
    {
        if (item.Checkpoint is { } checkpoint)
        {
            // The fan-out's positions at this point equal ours, unless a resume put us ahead of it in some stream.
            if (ahead is not { Count: > 0 })
            {
                state.OnFanoutCheckpoint(checkpoint);
            }

            return;
        }

        state.Promote();
        var stream = item.Stream!;
        var generation = item.Generation!;
        var position = state.PositionOf(stream);
        if (item.Frame is not { } frame)
        {
            await ResetAsync(writer, state, stream, generation, item.ResetTo, token);
            return;
        }

        var e = frame.Event;
        if ((position.Generation is null || position.Generation == generation) && e.Seq <= position.Seq)
        {
            // Already written (from the log, by a resume).
            if (e.Seq == position.Seq)
            {
                ahead?.Remove(stream);
            }

            return;
        }

        if (position.Generation is not null && position.Generation != generation)
        {
            await ResetAsync(writer, state, stream, generation, e.Seq - 1, token);
        }

        await EventAsync(writer, state, frame, token);
    }

    private async Task<HashSet<string>?> CatchUpAsync(Writer writer, CursorState state, EventFanout.Subscription subscription, bool forceReset, CancellationToken token)
    {
        HashSet<string>? ahead = null;
        foreach (var (stream, until) in subscription.StartVector)
        {
            if (!subscription.Scope.Contains(stream))
            {
                continue;
            }

            var position = state.PositionOf(stream);
            var reset = forceReset;
            while (reset || position.Seq < until.Seq || (position.Generation is not null && position.Generation != until.Generation))
            {
                var page = await reader.ReadAfterAsync(stream, position.Generation, position.Seq, CatchUpPage, token);
                if (page.Reset || reset)
                {
                    var resetTo = page.Events.Count > 0 ? page.Events[0].Seq - 1 : Math.Max(0, page.Head.FirstRetainedSeq - 1);
                    await ResetAsync(writer, state, stream, page.Head.Generation, resetTo, token);
                    position = state.PositionOf(stream);
                    reset = false;
                }

                var wrote = 0;
                foreach (var e in page.Events)
                {
                    // Exactly up to where the fan-out starts this response: later events come from it.
                    if (e.Seq > position.Seq && (e.Seq <= until.Seq || page.Head.Generation != until.Generation))
                    {
                        await EventAsync(writer, state, new EventFrame(page.Head.Generation, e), token);
                        wrote++;
                    }
                }

                position = state.PositionOf(stream);
                if (page.Events.Count < CatchUpPage || wrote == 0)
                {
                    break;
                }
            }

            if (position.Seq > until.Seq && position.Generation == until.Generation)
            {
                (ahead ??= new HashSet<string>(StringComparer.Ordinal)).Add(stream);
            }
        }

        return ahead;
    }

    private async Task EventAsync(Writer writer, CursorState state, EventFrame frame, CancellationToken token)
    {
        var e = frame.Event;
        state.Advance(e.Stream, new StreamPosition(frame.Generation, e.Seq));
        if (state.OverBound)
        {
            await state.CheckpointAsync(checkpoints, token);
        }

        await writer.EventAsync(await frame.FrameAsync(state, writer.Typed), token);
    }

    private async Task ResetAsync(Writer writer, CursorState state, string stream, string generation, long resetTo, CancellationToken token)
    {
        state.Advance(stream, new StreamPosition(generation, resetTo));
        if (state.OverBound)
        {
            await state.CheckpointAsync(checkpoints, token);
        }

        Log.Reset(logger, stream, resetTo);
        await writer.ResetAsync(state.Encode(), stream, generation, resetTo, token);
    }

    private static async Task WriteAsync(Stream body, ReadOnlyMemory<byte> frame, CancellationToken token)
    {
        await body.WriteAsync(frame, token);
        await body.FlushAsync(token);
    }

    private static void CancelQuietly(CancellationTokenSource source)
    {
        try
        {
            source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The response ended just as the cap came: nothing left to cancel.
        }
    }

    /// <summary>The reset frame's data.</summary>
    /// <param name="Stream">The stream.</param>
    /// <param name="Generation">Its generation now.</param>
    /// <param name="ResumeAfter">The events that follow start after this seq (the oldest retained ones).</param>
    public sealed record ResetNotice(string Stream, string Generation, long ResumeAfter);

    private static partial class Log
    {
        [LoggerMessage(EventId = 6101, EventName = "SseClientLagged", Level = LogLevel.Information, Message = "SSE client fell behind after {Events} events; resuming it from the log")]
        public static partial void Lagged(ILogger logger, long events);

        [LoggerMessage(EventId = 6102, EventName = "SseClientLeft", Level = LogLevel.Debug, Message = "SSE client went away after {Events} events")]
        public static partial void ClientLeft(ILogger logger, long events);

        [LoggerMessage(EventId = 6103, EventName = "SseStreamResetSent", Level = LogLevel.Information, Message = "SSE reset of stream {Stream}: resuming after seq {Seq}")]
        public static partial void Reset(ILogger logger, string stream, long seq);
    }
}
