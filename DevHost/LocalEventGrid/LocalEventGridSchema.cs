namespace FunctionsDashboard.DevHost.LocalEventGrid;

/// <summary>Which schema the local topic accepts and delivers.</summary>
internal enum LocalEventGridSchema
{
    /// <summary>Both; each event is delivered in the schema it was published in.</summary>
    Input,

    /// <summary>Only Event Grid schema events (CloudEvents publishes get 400).</summary>
    EventGridSchema,

    /// <summary>Only CloudEvents 1.0 (Event Grid schema publishes get 400).</summary>
    CloudEventSchemaV1_0,
}
