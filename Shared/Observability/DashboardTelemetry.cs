using System.Diagnostics;
using FunctionsDashboard.EventLog;
using FunctionsDashboard.Hardening;
using FunctionsDashboard.Relay;

namespace FunctionsDashboard.Observability;

/// <summary>
/// The app's traces: one <see cref="ActivitySource"/> (<see cref="SourceName"/>) and the spans of an event's journey,
/// webhook → event-log commit → delivery → SignalR send, all in the event's trace (docs/observability.md). The
/// event's context is its W3C <c>traceparent</c>: the one its CloudEvent carried (distributed-tracing extension), else a
/// new trace started at the webhook. It is stored with the event and sent with it (hub <c>event</c>/<c>events</c>, SSE).
/// With no exporter configured nobody listens to the source, no span is created, and the webhook still gives every
/// event a traceparent of its own.
/// </summary>
public static class DashboardTelemetry
{
    /// <summary>The name of the <see cref="ActivitySource"/> (and of the meter, <see cref="DashboardMetrics.MeterName"/>).</summary>
    public const string SourceName = "FunctionsDashboard";

    /// <summary>Span name: one event received by the webhook.</summary>
    public const string WebhookSpan = "webhook receive";

    /// <summary>Span name: one event-log transaction (one or more events of one stream).</summary>
    public const string CommitSpan = "event-log commit";

    /// <summary>Span name: one hub message (one or more events of one stream) delivered to its audience.</summary>
    public const string DeliverySpan = "relay deliver";

    /// <summary>Span name: one SignalR Service REST send.</summary>
    public const string SendSpan = "signalr send";

    /// <summary>Most span links one commit or delivery span carries (one per other event's trace).</summary>
    public const int MaxLinks = 32;

    /// <summary>The source of every span of the app.</summary>
    public static readonly ActivitySource Source = new(SourceName, typeof(DashboardTelemetry).Assembly.GetName().Version?.ToString());

    /// <summary>
    /// Starts one <see cref="WebhookSpan"/> per event, each a child of the event's own <c>traceparent</c>, or the root of
    /// a new trace (linked to the HTTP request's span, when there is one), and returns the events with their context
    /// set: the span's (so the later spans are its children), else the event's own, else a new one.
    /// Dispose the result when the append is done.
    /// </summary>
    public static WebhookSpans StartWebhook(IReadOnlyList<IncomingEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var request = Activity.Current;
        var traced = new IncomingEvent[events.Count];
        var spans = Source.HasListeners() ? new Activity?[events.Count] : null;
        try
        {
            for (var i = 0; i < events.Count; i++)
            {
                var e = events[i];
                var hasParent = TraceContext.TryParse(e.Traceparent, e.Tracestate, out var parent);
                Activity? span = null;
                if (spans is not null)
                {
                    ActivityLink[]? links = request is null ? null : [new ActivityLink(request.Context)];
                    Activity.Current = null; // no parent: a new trace, not the HTTP request's
                    span = Source.StartActivity(WebhookSpan, ActivityKind.Consumer, hasParent ? parent : default, EventTags(e), links);
                    spans[i] = span;
                }

                traced[i] = span is not null
                    ? e with { Traceparent = TraceContext.Format(span.Context), Tracestate = span.TraceStateString }
                    : hasParent ? e : e with { Traceparent = TraceContext.NewTraceparent(), Tracestate = null };
            }
        }
        finally
        {
            Activity.Current = request;
        }

        return new WebhookSpans(traced, spans);
    }

    /// <summary>
    /// Starts the <see cref="CommitSpan"/> of one event-log transaction of <paramref name="stream"/>: a child of the first
    /// event's context, linked to the others'. Also records the batch size (<see cref="DashboardMetrics.CommitBatchSize"/>).
    /// </summary>
    public static Activity? StartCommit(string stream, IEnumerable<IncomingEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var list = events as IReadOnlyCollection<IncomingEvent> ?? [.. events];
        DashboardMetrics.CommitBatchSize.Record(list.Count);
        if (!Source.HasListeners())
        {
            return null;
        }

        return StartLinked(CommitSpan, ActivityKind.Internal, stream, list.Select(e => (e.Traceparent, e.Tracestate)), list.Count);
    }

    /// <summary>
    /// Starts the <see cref="DeliverySpan"/> of one hub message (<paramref name="batch"/>: one stream, ascending seqs): a
    /// child of the first event's context, linked to the others', and current, so the SignalR send is its child. Records
    /// the publish → send lag of each event (<see cref="DashboardMetrics.DeliveryLag"/>). Dispose it when the batch is settled.
    /// </summary>
    public static DeliverySpan StartDelivery(IReadOnlyList<StoredEvent> batch, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(timeProvider);
        if (batch.Count == 0)
        {
            return new DeliverySpan(null, null, 0);
        }

        var now = timeProvider.GetUtcNow();
        foreach (var e in batch)
        {
            DashboardMetrics.DeliveryLag.Record(Math.Max(0, (now - e.CommittedAt).TotalSeconds));
        }

        var span = Source.HasListeners()
            ? StartLinked(DeliverySpan, ActivityKind.Producer, batch[0].Stream, batch.Select(e => (e.Traceparent, e.Tracestate)), batch.Count)
            : null;
        span?.SetTag("dashboard.seq.first", batch[0].Seq);
        span?.SetTag("dashboard.seq.last", batch[^1].Seq);
        return new DeliverySpan(span, batch[0].Stream, batch[^1].Seq);
    }

    /// <summary>Starts the span of one SignalR Service REST call (<see cref="SendSpan"/> for sends), a child of the current span.</summary>
    public static Activity? StartSignalRRest(string method, string path)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var isSend = path.EndsWith("/:send", StringComparison.Ordinal);
        var span = Source.StartActivity(isSend ? SendSpan : $"signalr {method}", ActivityKind.Client);
        span?.SetTag("http.request.method", method);
        span?.SetTag("url.path", LogValue.Bounded(path, 256));
        return span;
    }

    /// <summary>Marks <paramref name="span"/> failed with <paramref name="error"/> (type and a bounded message, no stack).</summary>
    public static void Fail(Activity? span, Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        span?.SetStatus(ActivityStatusCode.Error, LogValue.Bounded(error.Message, 256));
        span?.SetTag("error.type", error.GetType().FullName);
    }

    private static Activity? StartLinked(string name, ActivityKind kind, string stream, IEnumerable<(string? Traceparent, string? Tracestate)> contexts, int count)
    {
        ActivityContext parent = default;
        List<ActivityLink>? links = null;
        foreach (var (traceparent, tracestate) in contexts)
        {
            if (!TraceContext.TryParse(traceparent, tracestate, out var context))
            {
                continue;
            }

            if (parent == default)
            {
                parent = context;
            }
            else if (context.TraceId != parent.TraceId && (links ??= []).Count < MaxLinks)
            {
                links.Add(new ActivityLink(context));
            }
        }

        var previous = Activity.Current;
        if (parent == default)
        {
            Activity.Current = null; // events without a context (stored before tracing): a trace of this step alone
        }

        var span = Source.StartActivity(name, kind, parent, [new("dashboard.stream", stream), new("messaging.batch.message_count", count)], links);
        if (span is null)
        {
            Activity.Current = previous;
        }

        return span;
    }

    private static KeyValuePair<string, object?>[] EventTags(IncomingEvent e) =>
    [
        new("dashboard.stream", e.Stream),
        new("dashboard.event.type", LogValue.Bounded(e.Type)),
        new("messaging.message.id", LogValue.Bounded(e.Id)),
        new("messaging.system", "eventgrid"),
    ];
}
