using System.Globalization;
using System.Text;
using System.Text.Json;
using FunctionsDashboard.EventLog;
using FunctionsDashboard.Options;
using FunctionsDashboard.Relay;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Sse;

/// <summary>
/// One Server-Sent Events response: <c>retry:</c> hint, the events after <c>Last-Event-ID</c> from the log, then live
/// events from the <see cref="EventFanout"/> (<c>id:</c> = seq, <c>event:</c> = type unless untyped, <c>data:</c> = the
/// event JSON), <c>:</c> heartbeat comments every <see cref="DashboardOptions.HeartbeatInterval"/> of silence, and a
/// clean end after <see cref="SseOptions.MaxStreamDuration"/> (the browser resumes with <c>Last-Event-ID</c>).
/// Every frame is flushed as it is written. Host-agnostic: it writes to a <see cref="Stream"/>.
/// </summary>
public sealed partial class SseSession(
    RelayEventLog log,
    EventFanout fanout,
    IOptions<SseOptions> sseOptions,
    IOptions<DashboardOptions> dashboardOptions,
    TimeProvider timeProvider,
    ILogger<SseSession> logger)
{
    private const int CatchUpPage = 500;
    private static readonly byte[] HeartbeatFrame = Encoding.UTF8.GetBytes(": heartbeat\n\n");
    private static readonly byte[] CapFrame = Encoding.UTF8.GetBytes(": stream cap reached, reconnect with Last-Event-ID\n\n");
    private readonly byte[] _retryFrame = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"retry: {(int)sseOptions.Value.RetryHint.TotalMilliseconds}\n\n"));

    /// <summary>Streams events of <paramref name="stream"/> after <paramref name="lastEventId"/> (null: from now) to <paramref name="body"/>.</summary>
    /// <returns>The seq of the last event written.</returns>
    public async Task<long> RunAsync(Stream body, string stream, long? lastEventId, bool typed, CancellationToken cancellationToken)
    {
        // One token for the whole response, cancelled when the client goes away or when the cap's timer fires: an idle
        // response holds one linked source and one timer, and waiting for events allocates nothing (see Subscription).
        using var session = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var cap = timeProvider.CreateTimer(static s => CancelQuietly((CancellationTokenSource)s!), session, sseOptions.Value.MaxStreamDuration, Timeout.InfiniteTimeSpan);
        var token = session.Token;
        var heartbeatInterval = dashboardOptions.Value.HeartbeatInterval;
        long sent = 0;
        try
        {
            await WriteAsync(body, _retryFrame, CancellationToken.None);
            var subscription = await fanout.SubscribeAsync(stream, token);
            try
            {
                sent = lastEventId ?? subscription.StartSeq;
                sent = await CatchUpAsync(body, stream, sent, subscription.StartSeq, typed, token);
                while (!token.IsCancellationRequested)
                {
                    if (subscription.TryRead(out var e))
                    {
                        if (e.Seq > sent)
                        {
                            await WriteEventAsync(body, e, typed, token);
                            sent = e.Seq;
                        }

                        continue;
                    }

                    if (subscription.IsCompleted)
                    {
                        // Fell behind: resume from the log, then rejoin the fan-out.
                        Log.Lagged(logger, stream, sent);
                        subscription.Dispose();
                        subscription = await fanout.SubscribeAsync(stream, token);
                        sent = await CatchUpAsync(body, stream, sent, subscription.StartSeq, typed, token);
                        continue;
                    }

                    if (!await subscription.WaitAsync(heartbeatInterval, token))
                    {
                        // A heartbeat interval of silence.
                        await WriteAsync(body, HeartbeatFrame, token);
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
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away.
        }

        if (session.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            await WriteAsync(body, CapFrame, CancellationToken.None);
        }

        return sent;
    }

    private async Task<long> CatchUpAsync(Stream body, string stream, long sent, long until, bool typed, CancellationToken token)
    {
        while (sent < until)
        {
            var events = await log.ReadAfterAsync(stream, sent, CatchUpPage, token);
            foreach (var e in events.Where(e => e.Seq > sent))
            {
                await WriteEventAsync(body, e, typed, token);
                sent = e.Seq;
            }

            if (events.Count < CatchUpPage)
            {
                break;
            }
        }

        return sent;
    }

    private static Task WriteEventAsync(Stream body, StoredEvent e, bool typed, CancellationToken token)
    {
        var json = JsonSerializer.Serialize(DashboardEvent.From(e), JsonSerializerOptions.Web);
        var frame = new StringBuilder(json.Length + 64)
            .Append("id: ").Append(e.Seq.ToString(CultureInfo.InvariantCulture)).Append('\n');
        if (typed)
        {
            frame.Append("event: ").Append(SafeLine(e.Type)).Append('\n');
        }

        frame.Append("data: ").Append(json).Append("\n\n");
        return WriteAsync(body, frame.ToString(), token);
    }

    private static string SafeLine(string value) => value.Replace('\n', ' ').Replace('\r', ' ');

    private static Task WriteAsync(Stream body, string text, CancellationToken token) => WriteAsync(body, Encoding.UTF8.GetBytes(text), token);

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

    private static partial class Log
    {
        [LoggerMessage(EventId = 6101, EventName = "SseClientLagged", Level = LogLevel.Information, Message = "SSE client of stream {Stream} fell behind at seq {Seq}; resuming it from the log")]
        public static partial void Lagged(ILogger logger, string stream, long seq);
    }
}
