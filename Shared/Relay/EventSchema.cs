namespace FunctionsDashboard.Relay;

/// <summary>Which envelope an event arrived in.</summary>
public enum EventSchema
{
    /// <summary>Event Grid's own schema (<c>eventType</c>, <c>topic</c>, <c>eventTime</c>, <c>dataVersion</c>).</summary>
    EventGrid,

    /// <summary>CloudEvents 1.0, structured JSON.</summary>
    CloudEvents,
}
