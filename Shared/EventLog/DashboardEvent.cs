using System.Text.Json;
using System.Text.Json.Serialization;

namespace FunctionsDashboard.EventLog;

/// <summary>
/// An event as dashboards receive it, over SignalR (<c>event</c>), SSE (<c>data:</c>) and the history API alike:
/// <c>{id, seq, stream, type, source, subject, time, data}</c>. Clients drop duplicates by <c>id</c>.
/// </summary>
/// <param name="Id">The event id.</param>
/// <param name="Seq">Its sequence number in its stream.</param>
/// <param name="Stream">The stream.</param>
/// <param name="Type">The event type.</param>
/// <param name="Source">The topic or source.</param>
/// <param name="Subject">The subject.</param>
/// <param name="Time">The event time.</param>
/// <param name="Data">The data.</param>
public sealed record DashboardEvent(string Id, long Seq, string Stream, string Type, string Source, string? Subject, DateTimeOffset? Time, JsonElement Data)
{
    /// <summary>
    /// The W3C traceparent of the event's trace (JSON <c>traceparent</c>, left out when there is none), so a dashboard can
    /// link to the trace of the event's journey (docs/observability.md).
    /// </summary>
    [JsonPropertyName("traceparent")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Traceparent { get; init; }

    /// <summary>Projects a stored event.</summary>
    public static DashboardEvent From(StoredEvent e) => new(e.Id, e.Seq, e.Stream, e.Type, e.Source, e.Subject, e.Time, e.Data) { Traceparent = e.Traceparent };
}
