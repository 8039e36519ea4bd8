using System.Diagnostics.Metrics;

namespace FunctionsDashboard.SseBench;

/// <summary>
/// Follows Kestrel's <c>kestrel.active_connections</c> and Hosting's <c>http.server.active_requests</c> with a
/// <see cref="MeterListener"/>, so every mode is counted the same way without touching its request pipeline.
/// </summary>
public sealed class ServerCounters : IDisposable
{
    private const string KestrelMeter = "Microsoft.AspNetCore.Server.Kestrel";
    private const string HostingMeter = "Microsoft.AspNetCore.Hosting";
    private const string ActiveConnectionsInstrument = "kestrel.active_connections";
    private const string ActiveRequestsInstrument = "http.server.active_requests";

    private readonly MeterListener _listener = new();
    private long _activeConnections;
    private long _activeRequests;

    /// <summary>Starts listening; instruments published before or after this call are both picked up.</summary>
    public ServerCounters()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if ((instrument.Meter.Name == KestrelMeter && instrument.Name == ActiveConnectionsInstrument)
                || (instrument.Meter.Name == HostingMeter && instrument.Name == ActiveRequestsInstrument))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (instrument.Name == ActiveConnectionsInstrument)
            {
                Interlocked.Add(ref _activeConnections, value);
            }
            else
            {
                Interlocked.Add(ref _activeRequests, value);
            }
        });
        _listener.Start();
    }

    /// <summary>Open connections.</summary>
    public long ActiveConnections => Interlocked.Read(ref _activeConnections);

    /// <summary>Requests in flight (an SSE response or a WebSocket counts until it ends).</summary>
    public long ActiveRequests => Interlocked.Read(ref _activeRequests);

    /// <inheritdoc />
    public void Dispose() => _listener.Dispose();
}
