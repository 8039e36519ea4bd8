using System.Globalization;
using System.Text;
using System.Text.Json;
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
    EventLog log,
    EventFanout fanout,
    IOptions<SseOptions> sseOptions,
    IOptions<DashboardOptions> dashboardOptions,
    TimeProvider timeProvider,
    ILogger<SseSession> logger)
{
    private const int CatchUpPage = 500;

    /// <summary>Streams events of <paramref name="stream"/> after <paramref name="lastEventId"/> (null: from now) to <paramref name="body"/>.</summary>
    /// <returns>The seq of the last event written.</returns>
    public async Task<long> RunAsync(Stream body, string stream, long? lastEventId, bool typed, CancellationToken cancellationToken)
    {
        using var cap = new CancellationTokenSource(sseOptions.Value.MaxStreamDuration, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cap.Token, cancellationToken);
        var token = linked.Token;
        long sent = 0;
        try
        {
            await WriteAsync(body, $"retry: {(int)sseOptions.Value.RetryHint.TotalMilliseconds}\n\n", CancellationToken.None);
            var subscription = await fanout.SubscribeAsync(stream, token);
            try
            {
                sent = lastEventId ?? subscription.StartSeq;
                sent = await CatchUpAsync(body, stream, sent, subscription.StartSeq, typed, token);
                while (!token.IsCancellationRequested)
                {
                    if (subscription.Reader.TryRead(out var e))
                    {
                        if (e.Seq > sent)
                        {
                            await WriteEventAsync(body, e, typed, token);
                            sent = e.Seq;
                        }

                        continue;
                    }

                    if (subscription.Reader.Completion.IsCompleted)
                    {
                        // Fell behind: resume from the log, then rejoin the fan-out.
                        Log.Lagged(logger, stream, sent);
                        subscription.Dispose();
                        subscription = await fanout.SubscribeAsync(stream, token);
                        sent = await CatchUpAsync(body, stream, sent, subscription.StartSeq, typed, token);
                        continue;
                    }

                    var wait = subscription.Reader.WaitToReadAsync(token).AsTask();
                    var quiet = Task.Delay(dashboardOptions.Value.HeartbeatInterval, timeProvider, token);
                    if (await Task.WhenAny(wait, quiet) == quiet)
                    {
                        await WriteAsync(body, ": heartbeat\n\n", token);
                    }
                }
            }
            finally
            {
                subscription.Dispose();
            }
        }
        catch (OperationCanceledException) when (cap.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // The cap: end cleanly so the client reconnects (well before the front end's 230 s limit).
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away.
        }

        if (cap.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            await WriteAsync(body, ": stream cap reached, reconnect with Last-Event-ID\n\n", CancellationToken.None);
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

    private static async Task WriteAsync(Stream body, string text, CancellationToken token)
    {
        await body.WriteAsync(Encoding.UTF8.GetBytes(text), token);
        await body.FlushAsync(token);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 6101, EventName = "SseClientLagged", Level = LogLevel.Information, Message = "SSE client of stream {Stream} fell behind at seq {Seq}; resuming it from the log")]
        public static partial void Lagged(ILogger logger, string stream, long seq);
    }
}
