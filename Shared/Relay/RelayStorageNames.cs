namespace FunctionsDashboard.Relay;

/// <summary>Base names (before <c>Storage:Prefix</c>) of the relay's storage resources.</summary>
public static class RelayStorageNames
{
    /// <summary>The event log table: one partition per stream.</summary>
    public const string EventLogTable = "eventlog";

    /// <summary>The hand-off queue the delivery function is triggered by.</summary>
    public const string DeliveryQueue = "relay-delivery";

    /// <summary>Blob container for event data too large to keep inline in a table row.</summary>
    public const string PayloadContainer = "eventlog-payloads";
}
