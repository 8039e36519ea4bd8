using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;

namespace FunctionsDashboard.DevHost.LocalSignalR;

/// <summary>
/// One client connection of the local Service: who it is (hub, user, claims, query) and its output. Writes are
/// serialised (a pipe writer has one writer at a time); a write to a connection that is gone is dropped, as the Service
/// drops messages for connections that just left.
/// </summary>
internal sealed class LocalClientConnection
{
    private readonly ConnectionContext _transport;
    private readonly TimeProvider _timeProvider;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly CancellationTokenSource _closing = new();
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

    /// <summary>Writes one hub-protocol message. False when the connection is gone (the message is dropped).</summary>
    public async Task<bool> SendAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        try
        {
            await _writeLock.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }

        try
        {
            var result = await _transport.Transport.Output.WriteAsync(frame, cancellationToken);
            Interlocked.Exchange(ref _lastSent, _timeProvider.GetTimestamp());
            return !result.IsCompleted && !result.IsCanceled;
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException or IOException or ConnectionAbortedException)
        {
            // The transport completed or aborted meanwhile: the client left, the message goes nowhere.
            return false;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>A keep-alive ping, unless a write is in progress (which shows the connection alive anyway).</summary>
    public async Task PingAsync()
    {
        if (_writeLock.CurrentCount == 0)
        {
            return;
        }

        await SendAsync(HubFrames.Ping, _closing.Token);
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

    /// <summary>Ends the output: the transport closes (WebSocket close, SSE response end, long-poll 204).</summary>
    public async Task CompleteAsync()
    {
        await _writeLock.WaitAsync();
        try
        {
            await _transport.Transport.Output.CompleteAsync();
        }
        catch (Exception e) when (e is InvalidOperationException or IOException)
        {
            // Already completed by the transport.
        }
        finally
        {
            _writeLock.Release();
        }
    }
}
