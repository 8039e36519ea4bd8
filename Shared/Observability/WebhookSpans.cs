using System.Diagnostics;
using FunctionsDashboard.Relay;

namespace FunctionsDashboard.Observability;

/// <summary>The webhook spans of one request's events (<see cref="DashboardTelemetry.StartWebhook"/>); disposing ends them.</summary>
public sealed class WebhookSpans : IDisposable
{
    private readonly Activity?[]? _spans;

    internal WebhookSpans(IReadOnlyList<IncomingEvent> events, Activity?[]? spans)
    {
        Events = events;
        _spans = spans;
    }

    /// <summary>The events, each with its trace context (<see cref="IncomingEvent.Traceparent"/>) set.</summary>
    public IReadOnlyList<IncomingEvent> Events { get; }

    /// <summary>Marks every span failed (the append did not succeed).</summary>
    public void Fail(Exception error)
    {
        foreach (var span in _spans ?? [])
        {
            DashboardTelemetry.Fail(span, error);
        }
    }

    /// <summary>Ends the spans.</summary>
    public void Dispose()
    {
        if (_spans is null)
        {
            return;
        }

        var current = Activity.Current;
        foreach (var span in _spans)
        {
            span?.Dispose();
        }

        Activity.Current = current;
    }
}
