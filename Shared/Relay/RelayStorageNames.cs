namespace FunctionsDashboard.Relay;

/// <summary>Base names (before <c>Storage:Prefix</c>) of the relay's storage resources.</summary>
public static class RelayStorageNames
{
    /// <summary>The event log table: one partition per stream.</summary>
    public const string EventLogTable = "eventlog";

    /// <summary>The hand-off queue the delivery function is triggered by.</summary>
    public const string DeliveryQueue = "relay-delivery";

    /// <summary>Where the Functions host (and DevHost) moves a delivery message that failed <c>maxDequeueCount</c> times.</summary>
    public const string DeliveryPoisonQueue = DeliveryQueue + "-poison";

    /// <summary>Delivery state per event (delivered, dead-lettered, re-driven): one partition per stream, row per seq.</summary>
    public const string DeliveryStateTable = "relaydeliveries";

    /// <summary>The dead-letter store: events delivery gave up on, with the reason; one partition per stream, row per seq.</summary>
    public const string DeadLetterTable = "deadletters";

    /// <summary>Blob container for event data too large to keep inline in a table row.</summary>
    public const string PayloadContainer = "eventlog-payloads";
}
