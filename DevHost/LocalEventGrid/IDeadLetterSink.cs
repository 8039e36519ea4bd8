using System.Text.Json.Nodes;

namespace FunctionsDashboard.DevHost.LocalEventGrid;

/// <summary>Where the local Event Grid dead-letters events it gives up on.</summary>
internal interface IDeadLetterSink
{
    /// <summary>Writes <paramref name="events"/> (already carrying the dead-letter fields); throws when it could not.</summary>
    Task WriteAsync(string topic, IReadOnlyList<JsonObject> events, CancellationToken cancellationToken);
}
