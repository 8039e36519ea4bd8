namespace FunctionsDashboard.Relay;

/// <summary>An event as received from Event Grid, normalized across both schemas, before it has a sequence number.</summary>
/// <param name="Id">The event id (Event Grid <c>id</c>, CloudEvent <c>id</c>); the idempotency key within its stream.</param>
/// <param name="Stream">The stream (<see cref="StreamName.From"/> of topic or source).</param>
/// <param name="Type">Event Grid <c>eventType</c> or CloudEvent <c>type</c>.</param>
/// <param name="Source">Event Grid <c>topic</c> or CloudEvent <c>source</c>, as received (may be empty).</param>
/// <param name="Subject">The subject, when there is one.</param>
/// <param name="Time">Event Grid <c>eventTime</c> or CloudEvent <c>time</c>.</param>
/// <param name="Data">The data as raw JSON (UTF-8). Binary CloudEvent data (<c>data_base64</c>) is a JSON string holding the Base64 text.</param>
/// <param name="DataIsBase64">True when <paramref name="Data"/> came from <c>data_base64</c>.</param>
/// <param name="Schema">The envelope it arrived in.</param>
public sealed record IncomingEvent(
    string Id,
    string Stream,
    string Type,
    string Source,
    string? Subject,
    DateTimeOffset? Time,
    ReadOnlyMemory<byte> Data,
    bool DataIsBase64,
    EventSchema Schema)
{
    /// <summary>The W3C traceparent of the event's trace (CloudEvents distributed-tracing extension, or set by the webhook).</summary>
    public string? Traceparent { get; init; }

    /// <summary>The W3C tracestate that came with <see cref="Traceparent"/>, if any.</summary>
    public string? Tracestate { get; init; }
}
