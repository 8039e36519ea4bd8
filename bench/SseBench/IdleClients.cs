using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FunctionsDashboard.SseBench;

/// <summary>
/// Idle clients over raw loopback sockets: each sends one request, reads until its first frame (the <c>retry:</c>
/// line, or the WebSocket message carrying the same bytes) has arrived, then holds the connection without reading, as an
/// idle browser tab does between heartbeats. The handshake buffer is returned to the pool, so the load generator's own
/// memory per client stays a socket.
/// </summary>
public sealed class IdleClients : IDisposable
{
    private const int Attempts = 3;
    private const int HandshakeBufferBytes = 4096;
    private static readonly byte[] HeaderEnd = "\r\n\r\n"u8.ToArray();
    private static readonly byte[] FirstFrameMarker = "retry:"u8.ToArray();

    private readonly List<Socket> _sockets = [];
    private readonly IPEndPoint _server;
    private readonly byte[] _request;
    private readonly string _expectedStatus;

    /// <summary>Clients of <paramref name="mode"/> served at <paramref name="server"/>.</summary>
    public IdleClients(ServerMode mode, IPEndPoint server)
    {
        _server = server;
        var host = $"Host: {server}\r\n";
        var request = mode == ServerMode.BareWs
            ? $"GET {mode.Path()} HTTP/1.1\r\n{host}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
            : $"GET {mode.Path()} HTTP/1.1\r\n{host}Accept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n";
        _request = Encoding.ASCII.GetBytes(request);
        _expectedStatus = mode == ServerMode.BareWs ? "HTTP/1.1 101" : "HTTP/1.1 200";
    }

    /// <summary>Open connections.</summary>
    public int Count => _sockets.Count;

    /// <summary>
    /// Opens connections until <see cref="Count"/> is <paramref name="target"/>, at most <paramref name="concurrency"/>
    /// handshakes at a time; each gets <paramref name="perConnection"/> per attempt and 3 attempts. Throws when one cannot
    /// be opened or the whole step takes longer than <paramref name="stepTimeout"/>.
    /// </summary>
    /// <returns>How many attempts had to be repeated.</returns>
    public async Task<int> GrowToAsync(int target, int concurrency, TimeSpan perConnection, TimeSpan stepTimeout, CancellationToken cancellationToken)
    {
        var needed = target - _sockets.Count;
        if (needed <= 0)
        {
            return 0;
        }

        using var step = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        step.CancelAfter(stepTimeout);
        var opened = new ConcurrentBag<Socket>();
        var retries = 0;
        try
        {
            await Parallel.ForEachAsync(
                Enumerable.Range(0, needed),
                new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = step.Token },
                async (_, token) =>
                {
                    for (var attempt = 1; ; attempt++)
                    {
                        try
                        {
                            opened.Add(await OpenAsync(perConnection, token));
                            return;
                        }
                        catch (Exception e) when (attempt < Attempts && !token.IsCancellationRequested && e is IOException or SocketException or OperationCanceledException)
                        {
                            Interlocked.Increment(ref retries);
                        }
                    }
                });
        }
        catch (OperationCanceledException) when (step.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Only {_sockets.Count + opened.Count} of {target} clients connected within {stepTimeout.TotalSeconds:0} s.");
        }
        finally
        {
            _sockets.AddRange(opened);
        }

        return retries;
    }

    /// <summary>Closes every connection.</summary>
    public void CloseAll()
    {
        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }

        _sockets.Clear();
    }

    /// <inheritdoc />
    public void Dispose() => CloseAll();

    private async Task<Socket> OpenAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var buffer = ArrayPool<byte>.Shared.Rent(HandshakeBufferBytes);
        try
        {
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attempt.CancelAfter(timeout);
            await socket.ConnectAsync(_server, attempt.Token);
            await socket.SendAsync(_request, SocketFlags.None, attempt.Token);
            var filled = 0;
            while (!HasFirstFrame(buffer.AsSpan(0, filled)))
            {
                if (filled == buffer.Length)
                {
                    throw new InvalidDataException($"No first frame in the first {buffer.Length} bytes.");
                }

                var read = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, attempt.Token);
                if (read == 0)
                {
                    throw new IOException("The server closed the connection before the first frame.");
                }

                filled += read;
            }

            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private bool HasFirstFrame(ReadOnlySpan<byte> received)
    {
        var headerEnd = received.IndexOf(HeaderEnd);
        if (headerEnd < 0)
        {
            return false;
        }

        var statusLine = Encoding.ASCII.GetString(received[..received.IndexOf((byte)'\r')]);
        if (!statusLine.StartsWith(_expectedStatus, StringComparison.Ordinal))
        {
            // Not a transient fault: do not retry it.
            throw new InvalidDataException($"Expected '{_expectedStatus}', the server answered '{statusLine}'.");
        }

        return received[(headerEnd + HeaderEnd.Length)..].IndexOf(FirstFrameMarker) >= 0;
    }
}
