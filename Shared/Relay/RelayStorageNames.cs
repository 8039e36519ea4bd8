namespace FunctionsDashboard.Relay;

/// <summary>Base names (before <c>Storage:Prefix</c>) of the relay's storage resources.</summary>
public static class RelayStorageNames
{
    /// <summary>
    /// The event log's stream directory (one row per stream with its head). The events themselves are in day buckets,
    /// tables <c>evlog{yyyyMMdd}</c> (see docs/event-log.md).
    /// </summary>
    public const string StreamDirectoryTable = "evstreams";

    /// <summary>The hand-off queue the delivery function is triggered by.</summary>
    public const string DeliveryQueue = "relay-delivery";

    /// <summary>Where the Functions host (and DevHost) moves a delivery message that failed <c>maxDequeueCount</c> times.</summary>
    public const string DeliveryPoisonQueue = DeliveryQueue + "-poison";

    /// <summary>Delivery state per event (delivered, dead-lettered, re-driven): one partition per stream, row per seq.</summary>
    public const string DeliveryStateTable = "relaydeliveries";

    /// <summary>The dead-letter store: events delivery gave up on, with the reason; one partition per stream, row per seq.</summary>
    public const string DeadLetterTable = "deadletters";

    /// <summary>Prefix of the day containers (<c>evpay{yyyyMMdd}</c>) for event data too large to keep inline in a segment.</summary>
    public const string PayloadContainerPrefix = "evpay";
}
