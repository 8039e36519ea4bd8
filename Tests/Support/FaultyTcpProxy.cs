using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace FunctionsDashboard.Tests.Support;

/// <summary>What a <see cref="FaultyTcpProxy"/> does with connections.</summary>
public enum ProxyMode
{
    /// <summary>Pipes bytes to and from the target.</summary>
    Forward,

    /// <summary>Accepts and resets at once (the client sees its connection refused/reset).</summary>
    Refuse,

    /// <summary>Accepts, reads and never answers (the client's network timeout fires).</summary>
    Blackhole,
}

/// <summary>A loopback TCP proxy in front of a real dependency that can refuse or blackhole it, for outage tests.</summary>
public sealed class FaultyTcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<TcpClient, bool> _held = new();
    private readonly Task _accepting;
    private volatile ProxyMode _mode;

    public FaultyTcpProxy(int targetPort, ProxyMode mode)
    {
        _targetPort = targetPort;
        _mode = mode;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    public int Port { get; }

    public long Accepted;

    /// <summary>Switches the mode; connections held by a blackhole are cut, so clients reconnect.</summary>
    public ProxyMode Mode
    {
        get => _mode;
        set
        {
            _mode = value;
            foreach (var client in _held.Keys)
            {
                _held.TryRemove(client, out _);
                client.Client.LingerState = new LingerOption(true, 0);
                client.Dispose();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Mode = ProxyMode.Refuse;
        try
        {
            await _accepting;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // stopping: the accept loop ends with the listener
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            Interlocked.Increment(ref Accepted);
            _ = HandleAsync(client);
        }
    }

    private async Task HandleAsync(TcpClient client)
    {
        try
        {
            switch (_mode)
            {
                case ProxyMode.Refuse:
                    client.Client.LingerState = new LingerOption(true, 0);
                    client.Dispose();
                    return;
                case ProxyMode.Blackhole:
                    _held[client] = true;
                    var sink = new byte[8192];
                    while (await client.GetStream().ReadAsync(sink, _stop.Token) > 0)
                    {
                        // swallow the request: no answer ever comes
                    }

                    return;
                default:
                    using (client)
                    using (var target = new TcpClient())
                    {
                        await target.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token);
                        var up = client.GetStream().CopyToAsync(target.GetStream(), _stop.Token);
                        var down = target.GetStream().CopyToAsync(client.GetStream(), _stop.Token);
                        await Task.WhenAny(up, down);
                    }

                    return;
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // a cut connection is what this proxy is for
        }
        finally
        {
            _held.TryRemove(client, out _);
        }
    }
}
