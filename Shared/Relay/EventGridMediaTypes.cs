using System.Net.Http.Headers;

namespace FunctionsDashboard.Relay;

/// <summary>The media types Event Grid uses for the two schemas.</summary>
public static class EventGridMediaTypes
{
    /// <summary>One CloudEvent, structured mode.</summary>
    public const string CloudEvent = "application/cloudevents+json";

    /// <summary>A batch of CloudEvents, structured mode.</summary>
    public const string CloudEventBatch = "application/cloudevents-batch+json";

    /// <summary>True for the CloudEvents structured media types (parameters such as <c>charset</c> ignored).</summary>
    public static bool IsCloudEvents(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var parsed)
        && (string.Equals(parsed.MediaType, CloudEvent, StringComparison.OrdinalIgnoreCase)
            || string.Equals(parsed.MediaType, CloudEventBatch, StringComparison.OrdinalIgnoreCase));
}
