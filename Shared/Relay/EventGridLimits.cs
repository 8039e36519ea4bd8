namespace FunctionsDashboard.Relay;

/// <summary>
/// The sizes Event Grid can publish and deliver, so the webhook accepts every delivery of an event Event Grid accepted
/// (413 is never retried: refusing one loses the event to dead-letter) and refuses only what no delivery can be.
/// <list type="bullet">
/// <item>Publish: an event, and a publish request, is at most 1 MB (taken as 1 MiB, the larger reading).</item>
/// <item>Delivery (Event Grid schema): each event gains <c>topic</c> (the topic's resource id) and <c>metadataVersion</c>.</item>
/// <item>Batches: up to 5,000 events (<c>maxEventsPerBatch</c>); <c>preferredBatchSizeInKilobytes</c> (≤ 1,024) is a
/// best-effort target, and a single event larger than it is delivered alone.</item>
/// </list>
/// So the largest delivery is 1 MiB of events plus the envelope of 5,000 events plus the array's brackets and commas:
/// <see cref="MaxDeliveryBytes"/>. DevHost's local Event Grid applies <see cref="MaxPublishBytes"/> at publish and never
/// builds a delivery larger than <see cref="MaxDeliveryBytes"/>, so everything it accepts the webhook accepts too.
/// </summary>
public static class EventGridLimits
{
    /// <summary>Largest publish request, and so largest single event, Event Grid accepts: 1 MiB.</summary>
    public const int MaxPublishBytes = 1024 * 1024;

    /// <summary>Most events Event Grid puts in one delivery (<c>maxEventsPerBatch</c> is 1 to 5,000).</summary>
    public const int MaxEventsPerDelivery = 5000;

    /// <summary>
    /// Room for what delivery adds to one Event Grid schema event: <c>,"topic":"…"</c> with a resource id of at most ~420
    /// characters (subscription id, a 90-character resource group, a 50-character domain and a 50-character domain topic,
    /// JSON-escaped) and <c>,"metadataVersion":"1"</c>, plus the comma between array elements.
    /// </summary>
    public const int MaxEnvelopeBytesPerEvent = 512;

    /// <summary>Largest body any Event Grid delivery can have: 1 MiB + 5,000 × 512 B + 2 = 3,608,578 bytes (~3.44 MiB).</summary>
    public const int MaxDeliveryBytes = MaxPublishBytes + (MaxEventsPerDelivery * MaxEnvelopeBytesPerEvent) + 2;
}
