using System.Diagnostics;

namespace FunctionsDashboard.Observability;

/// <summary>
/// The span of one hub message (<see cref="DashboardTelemetry.StartDelivery"/>). Disposing ends it and tells the
/// backlog gauges (<see cref="DashboardMetrics"/>) that the stream is settled through its last seq.
/// </summary>
public sealed class DeliverySpan : IDisposable
{
    private readonly string? _stream;
    private readonly long _lastSeq;

    internal DeliverySpan(Activity? span, string? stream, long lastSeq)
    {
        Activity = span;
        _stream = stream;
        _lastSeq = lastSeq;
    }

    /// <summary>The span, when somebody listens.</summary>
    public Activity? Activity { get; }

    /// <summary>Ends the span.</summary>
    public void Dispose()
    {
        if (_stream is not null)
        {
            DeliveryBacklog.Instance.Settled(_stream, _lastSeq);
        }

        Activity?.Dispose();
    }
}
