using System.Text.Json.Nodes;
using FunctionsDashboard.Relay;

namespace FunctionsDashboard.DevHost.LocalEventGrid;

/// <summary>One published event inside the local Event Grid, with its delivery state. Touched by one delivery at a time.</summary>
internal sealed class LocalEvent(string id, string topic, EventSchema schema, JsonObject json, int size, DateTimeOffset publishTime)
{
    public string Id { get; } = id;

    public string Topic { get; } = topic;

    public EventSchema Schema { get; } = schema;

    /// <summary>The event as it is delivered (Event Grid schema events carry <c>topic</c> and <c>metadataVersion</c>).</summary>
    public JsonObject Json { get; } = json;

    /// <summary>Serialized size in bytes, for batch sizing.</summary>
    public int Size { get; } = size;

    public DateTimeOffset PublishTime { get; } = publishTime;

    public int Attempts { get; set; }

    public DateTimeOffset Due { get; set; } = publishTime;

    public DateTimeOffset? LastAttemptTime { get; set; }

    public string LastOutcome { get; set; } = "";

    public int? LastStatusCode { get; set; }

    /// <summary>Set once the event is given up on; it then waits only for its dead-letter write.</summary>
    public string? DeadLetterReason { get; set; }
}
