using System.Buffers;
using System.IO.Pipelines;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;

namespace FunctionsDashboard.DevHost.LocalSignalR;

/// <summary>
/// One client connection of the local Service: who it is (hub, user, claims, query) and its output. Messages go into the
/// connection's outbox, in the order they were sent, and one writer loop writes them to the transport; what is queued when
/// the loop gets to it goes out in one flush. A send completes once its message is queued, as the Service's REST send
/// answers 202 once it accepted the message, not once every client read it; only a connection
/// <see cref="OutboxCapacity"/> messages behind makes its senders wait. A message for a connection that is gone is
/// dropped, as the Service drops messages for connections that just left.
/// </summary>
internal sealed class LocalClientConnection
{
    /// <summary>Messages a connection may have queued before its senders wait.</summary>
    internal const int OutboxCapacity = 128;

    /// <summary>Bytes the writer loop puts into one flush at most (a larger message goes alone).</summary>
    internal const int MaxFlushBytes = 64 * 1024;

    /// <summary>How long the end of the connection waits for the queued messages to be written.</summary>
    internal static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);

    private readonly ConnectionContext _transport;
    private readonly TimeProvider _timeProvider;
    private readonly Channel<ReadOnlyMemory<byte>> _outbox = Channel.CreateBounded<ReadOnlyMemory<byte>>(
        new BoundedChannelOptions(OutboxCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly CancellationTokenSource _closing = new();
    private readonly Task _writer;
    private CloseRequest? _closeRequest;
    private long _lastReceived;
    private long _lastSent;

    public LocalClientConnection(ConnectionContext transport, string hub, string? userId, IReadOnlyList<string> claims, string queryString, TimeProvider timeProvider)
    {
        _transport = transport;
        _timeProvider = timeProvider;
        Hub = hub;
        UserId = userId;
        Claims = claims;
        QueryString = queryString;
        _lastReceived = _lastSent = timeProvider.GetTimestamp();
        _writer = WriteLoopAsync();
    }

    /// <summary>The connection id the client got from negotiate.</summary>
    public string ConnectionId => _transport.ConnectionId;

    /// <summary>The hub (lower-cased).</summary>
    public string Hub { get; }

    /// <summary>The user id from the token (<c>asrs.s.uid</c>, else <c>nameid</c>); null for none.</summary>
    public string? UserId { get; }

    /// <summary>The token's claims as <c>type: value</c>.</summary>
    public IReadOnlyList<string> Claims { get; }

    /// <summary>The query string the client connected with, starting with <c>?</c>. Holds the access token: never log it.</summary>
    public string QueryString { get; }

    /// <summary>The transport's input.</summary>
    public PipeReader Input => _transport.Transport.Input;

    /// <summary>Cancelled once the Service decided to close the connection.</summary>
    public CancellationToken Closing => _closing.Token;

    /// <summary>Why the Service closes the connection; null while nobody asked.</summary>
    public CloseRequest? CloseRequested => Volatile.Read(ref _closeRequest);

    /// <summary>Time since the client last sent anything.</summary>
    public TimeSpan SinceReceived => _timeProvider.GetElapsedTime(Interlocked.Read(ref _lastReceived));

    /// <summary>Time since the Service last wrote to the client.</summary>
    public TimeSpan SinceSent => _timeProvider.GetElapsedTime(Interlocked.Read(ref _lastSent));

    public void MarkReceived() => Interlocked.Exchange(ref _lastReceived, _timeProvider.GetTimestamp());

    /// <summary>
    /// Queues one hub-protocol message after those queued before. Completes at once unless the outbox is full; false when
    /// the connection is gone or closing, or <paramref name="cancellationToken"/> ended the wait (the message is dropped).
    /// </summary>
    public ValueTask<bool> SendAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromResult(false);
        }

        return _outbox.Writer.TryWrite(frame) ? ValueTask.FromResult(true) : WaitAndSendAsync(frame, cancellationToken);
    }

    /// <summary>A keep-alive ping, unless messages are waiting (which keep the connection alive anyway).</summary>
    public void Ping()
    {
        if (_outbox.Reader.Count == 0)
        {
            _outbox.Writer.TryWrite(HubFrames.Ping);
        }
    }

    /// <summary>Asks the connection to close (the first request wins); the read loop notices and ends.</summary>
    public void RequestClose(string? error, CloseKind kind, bool allowReconnect = false)
    {
        if (Interlocked.CompareExchange(ref _closeRequest, new CloseRequest(error, kind, allowReconnect), null) is not null)
        {
            return;
        }

        try
        {
            _closing.Cancel();
            _transport.Transport.Input.CancelPendingRead();
            if (kind == CloseKind.Abrupt)
            {
                _transport.Abort(new ConnectionAbortedException(error ?? "The connection was aborted."));
            }
        }
        catch (ObjectDisposedException)
        {
            // The connection already ended.
        }
    }

    /// <summary>
    /// Ends the output once the queued messages are written (at most <see cref="DrainTimeout"/>): the transport closes
    /// (WebSocket close, SSE response end, long-poll 204).
    /// </summary>
    public async Task CompleteAsync()
    {
        _outbox.Writer.TryComplete();
        try
        {
            await _writer.WaitAsync(DrainTimeout, _timeProvider);
        }
        catch (TimeoutException)
        {
            // The client stopped reading: what is still queued is dropped.
            _transport.Transport.Output.CancelPendingFlush();
            await _writer;
        }

        try
        {
            await _transport.Transport.Output.CompleteAsync();
        }
        catch (Exception e) when (e is InvalidOperationException or IOException)
        {
            // Already completed by the transport.
        }
    }

    private async ValueTask<bool> WaitAndSendAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        try
        {
            await _outbox.Writer.WriteAsync(frame, cancellationToken);
            return true;
        }
        catch (Exception e) when (e is ChannelClosedException or OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Writes what is queued, in order, one flush per round; ends when the outbox is completed or the client left.</summary>
    private async Task WriteLoopAsync()
    {
        var output = _transport.Transport.Output;
        var outbox = _outbox.Reader;
        try
        {
            while (await outbox.WaitToReadAsync())
            {
                var bytes = 0;
                while (bytes < MaxFlushBytes && outbox.TryRead(out var frame))
                {
                    output.Write(frame.Span);
                    bytes += frame.Length;
                }

                var result = await output.FlushAsync();
                Interlocked.Exchange(ref _lastSent, _timeProvider.GetTimestamp());
                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException or IOException or ConnectionAbortedException)
        {
            // The transport completed or aborted meanwhile: the client left, the messages go nowhere.
        }

        _outbox.Writer.TryComplete();
        while (outbox.TryRead(out _))
        {
            // Dropped: nobody reads them any more.
        }
    }
}
