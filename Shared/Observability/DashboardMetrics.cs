using System.Diagnostics.Metrics;

namespace FunctionsDashboard.Observability;

/// <summary>
/// The app's metrics: one <see cref="Meter"/> (<see cref="MeterName"/>), instruments with UCUM units, each named in
/// docs/observability.md. Values are this instance's (an exporter adds the instance as a resource attribute).
/// Callers in feature code make one call per site (e.g. <c>DashboardMetrics.EventsAccepted.Add(n)</c>).
/// </summary>
public static class DashboardMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = DashboardTelemetry.SourceName;

    /// <summary>The tag naming a hub.</summary>
    public const string HubTag = "dashboard.hub";

    /// <summary>The meter.</summary>
    public static readonly Meter Meter = new(MeterName, typeof(DashboardMetrics).Assembly.GetName().Version?.ToString());

    /// <summary><c>dashboard.events.accepted</c>: new events written to the event log.</summary>
    public static readonly Counter<long> EventsAccepted = Meter.CreateCounter<long>("dashboard.events.accepted", "{event}", "New events written to the event log.");

    /// <summary><c>dashboard.events.duplicates</c>: events whose id was already in their stream (redeliveries), acknowledged, not written again.</summary>
    public static readonly Counter<long> EventsDuplicate = Meter.CreateCounter<long>("dashboard.events.duplicates", "{event}", "Events whose id was already in their stream: acknowledged, not written again.");

    /// <summary><c>dashboard.eventlog.commit.batch_size</c>: events per event-log transaction.</summary>
    public static readonly Histogram<int> CommitBatchSize = Meter.CreateHistogram<int>("dashboard.eventlog.commit.batch_size", "{event}", "Events offered to one event-log transaction (one stream).",
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 5, 10, 20, 50, 100, 200, 500] });

    /// <summary><c>dashboard.delivery.lag</c>: from the durable commit (the publisher's acknowledgement) to the start of the SignalR send, per event.</summary>
    public static readonly Histogram<double> DeliveryLag = Meter.CreateHistogram<double>("dashboard.delivery.lag", "s", "Per event: from the durable commit (the publish was acknowledged) to the start of its SignalR send.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300] });

    /// <summary><c>dashboard.delivery.retries</c>: delivery tries that failed and were retried.</summary>
    public static readonly Counter<long> DeliveryRetries = Meter.CreateCounter<long>("dashboard.delivery.retries", "{retry}", "Delivery tries that failed and were retried.");

    /// <summary><c>dashboard.delivery.dead_letters</c>: events put into the dead-letter store.</summary>
    public static readonly Counter<long> DeadLetters = Meter.CreateCounter<long>("dashboard.delivery.dead_letters", "{event}", "Events put into the dead-letter store.");

    /// <summary><c>dashboard.delivery.redrives</c>: dead-lettered events queued again by a re-drive.</summary>
    public static readonly Counter<long> Redrives = Meter.CreateCounter<long>("dashboard.delivery.redrives", "{event}", "Dead-lettered events queued again by a re-drive.");

    /// <summary><c>dashboard.sweep.duration</c>: one stale-connection sweep.</summary>
    public static readonly Histogram<double> SweepDuration = Meter.CreateHistogram<double>("dashboard.sweep.duration", "s", "Duration of one stale-connection sweep.");

    /// <summary><c>dashboard.sweep.removals</c>: connections the sweep removed.</summary>
    public static readonly Counter<long> SweepRemovals = Meter.CreateCounter<long>("dashboard.sweep.removals", "{connection}", "Stale connections removed by the sweep.");

    /// <summary><c>dashboard.sse.clients</c>: open Server-Sent Events streams.</summary>
    public static readonly UpDownCounter<long> SseClients = Meter.CreateUpDownCounter<long>("dashboard.sse.clients", "{client}", "Open Server-Sent Events streams on this instance.");

    /// <summary><c>dashboard.delivery.backlog</c>: events committed on this instance and not yet settled by delivery.</summary>
    public static readonly ObservableGauge<long> DeliveryBacklog = Meter.CreateObservableGauge("dashboard.delivery.backlog", () => Observability.DeliveryBacklog.Instance.Backlog, "{event}",
        "Events committed on this instance and not yet delivered or dead-lettered (hand-off backlog).");

    /// <summary><c>dashboard.delivery.oldest_age</c>: age of the oldest event committed on this instance and not yet settled.</summary>
    public static readonly ObservableGauge<double> OldestUndeliveredAge = Meter.CreateObservableGauge("dashboard.delivery.oldest_age", () => Observability.DeliveryBacklog.Instance.OldestAgeSeconds, "s",
        "Age of the oldest event committed on this instance and not yet delivered or dead-lettered (0 when none).");

    private static readonly List<Func<IEnumerable<Measurement<long>>>> ConnectionSources = [];

    /// <summary><c>dashboard.connections.live</c>: live connections per hub (<see cref="HubTag"/>), as the registry last counted them.</summary>
    public static readonly ObservableGauge<long> LiveConnections = Meter.CreateObservableGauge("dashboard.connections.live", ObserveConnections, "{connection}",
        "Live SignalR connections per hub, as the connection registry last counted them.");

    /// <summary>Adds a source of <see cref="LiveConnections"/> (per hub); disposing the result removes it.</summary>
    public static IDisposable ObserveConnections(Func<IEnumerable<Measurement<long>>> source)
    {
        lock (ConnectionSources)
        {
            ConnectionSources.Add(source);
        }

        return new Removal(() =>
        {
            lock (ConnectionSources)
            {
                ConnectionSources.Remove(source);
            }
        });
    }

    /// <summary>Records one stale-connection sweep: <see cref="SweepDuration"/> and <see cref="SweepRemovals"/>.</summary>
    /// <param name="durationMs">How long the sweep took, in milliseconds.</param>
    /// <param name="removed">Stale connections it removed.</param>
    public static void RecordSweep(double durationMs, int removed)
    {
        SweepDuration.Record(durationMs / 1000);
        SweepRemovals.Add(removed);
    }

    private static IEnumerable<Measurement<long>> ObserveConnections()
    {
        Func<IEnumerable<Measurement<long>>>[] sources;
        lock (ConnectionSources)
        {
            sources = [.. ConnectionSources];
        }

        return sources.SelectMany(s => s());
    }

    private sealed class Removal(Action remove) : IDisposable
    {
        public void Dispose() => remove();
    }
}
