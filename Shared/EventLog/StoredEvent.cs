using System.Text.Json;

namespace FunctionsDashboard.EventLog;

/// <summary>
/// An event in the event log: what the hub message, the SSE stream and the history API send
/// (<c>{id, seq, stream, type, source, subject, time, data}</c>).
/// </summary>
/// <param name="Id">The event id.</param>
/// <param name="Seq">Its sequence number in <paramref name="Stream"/>: 1, 2, 3, ... without gaps.</param>
/// <param name="Stream">The stream.</param>
/// <param name="Type">The event type.</param>
/// <param name="Source">The topic or source it came from.</param>
/// <param name="Subject">The subject, when there is one.</param>
/// <param name="Time">The event time, when there is one.</param>
/// <param name="Data">The data, as JSON (a Base64 string for binary CloudEvent data).</param>
/// <param name="DataIsBase64">True when <paramref name="Data"/> is the Base64 text of binary data.</param>
/// <param name="CommittedAt">Server time of the durable write.</param>
public sealed record StoredEvent(
    string Id,
    long Seq,
    string Stream,
    string Type,
    string Source,
    string? Subject,
    DateTimeOffset? Time,
    JsonElement Data,
    bool DataIsBase64,
    DateTimeOffset CommittedAt)
{
    /// <summary>The W3C traceparent of the event's trace (see docs/observability.md); null for events stored before it was kept.</summary>
    public string? Traceparent { get; init; }

    /// <summary>The W3C tracestate that came with <see cref="Traceparent"/>, if any.</summary>
    public string? Tracestate { get; init; }
}
