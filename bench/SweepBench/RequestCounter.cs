using System.Diagnostics.Metrics;

namespace FunctionsDashboard.Bench;

/// <summary>
/// Counts the HTTP requests this process sends to one port (the Azurite table endpoint), from the
/// <c>http.client.request.duration</c> instrument of System.Net.Http: the Azure SDK's transport is an HttpClient, so every
/// storage request, retries included, is one measurement (an entity-group transaction is one request).
/// </summary>
internal sealed class RequestCounter : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly int _port;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (long Count, double Seconds)> _byMethod = new(StringComparer.Ordinal);
    private long _count;

    public RequestCounter(int port)
    {
        _port = port;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "System.Net.Http" && instrument.Name == "http.client.request.duration")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((_, seconds, tags, _) =>
        {
            string? method = null;
            var ours = false;
            foreach (var tag in tags)
            {
                if (tag.Key == "server.port" && tag.Value is int port && port == _port)
                {
                    ours = true;
                }
                else if (tag.Key == "http.request.method")
                {
                    method = tag.Value as string;
                }
            }

            if (ours)
            {
                Interlocked.Increment(ref _count);
                _byMethod.AddOrUpdate(method ?? "?", (1, seconds), (_, v) => (v.Count + 1, v.Seconds + seconds));
            }
        });
        _listener.Start();
    }

    /// <summary>Requests completed so far.</summary>
    public long Count => Interlocked.Read(ref _count);

    /// <summary>Requests and summed durations per HTTP method so far.</summary>
    public IReadOnlyDictionary<string, (long Count, double Seconds)> ByMethod => new Dictionary<string, (long, double)>(_byMethod);

    public void Dispose() => _listener.Dispose();
}
