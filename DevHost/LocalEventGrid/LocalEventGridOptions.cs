using System.ComponentModel.DataAnnotations;
using FunctionsDashboard.Options;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.DevHost.LocalEventGrid;

/// <summary>
/// DevHost's local Event Grid (section <c>LocalEventGrid</c>): one topic endpoint per name at
/// <c>/localeventgrid/topics/{topic}/api/events</c> and one webhook subscription delivering to the app. Defaults work
/// with <c>./run.sh</c> as they are; the numbers are Event Grid's own defaults. Validated when DevHost starts by
/// <see cref="LocalEventGridOptionsValidator"/> (the DataAnnotations); each message names the setting.
/// </summary>
internal sealed class LocalEventGridOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "LocalEventGrid";

    private const string Between = " must be between {1} and {2} (app setting " + SectionName + "__";

    /// <summary>The key publishers send as <c>aeg-sas-key</c>. Default <c>local-dev-topic-key</c> (a local placeholder).</summary>
    [Required(ErrorMessage = SectionName + ":" + nameof(TopicKey) + " must not be empty (app setting " + SectionName + "__" + nameof(TopicKey) + ").")]
    public string TopicKey { get; set; } = "local-dev-topic-key";

    /// <summary>
    /// Where the subscription delivers. Default (empty): DevHost's own address + <c>/api/eventgrid?code=</c> +
    /// <c>Relay:WebhookSecret</c>. When set: an absolute http or https URL.
    /// </summary>
    [HttpUrl(ErrorMessage = SectionName + ":" + nameof(DeliveryUrl) + " must be an absolute http or https URL (app setting " + SectionName + "__" + nameof(DeliveryUrl) + ").")]
    public string? DeliveryUrl { get; set; }

    /// <summary>
    /// The <c>code</c> the default delivery URL carries. Default (empty): <c>Relay:WebhookSecret</c>. Set it to something
    /// else to watch a misconfigured subscription fail its handshake and dead-letter.
    /// </summary>
    public string? DeliverySecret { get; set; }

    /// <summary>The schema the topic accepts and delivers. Default <see cref="LocalEventGridSchema.Input"/>.</summary>
    public LocalEventGridSchema Schema { get; set; } = LocalEventGridSchema.Input;

    /// <summary>The subscription's name (header <c>aeg-subscription-name</c>, dead-letter path). Default <c>local-relay</c>.</summary>
    public string SubscriptionName { get; set; } = "local-relay";

    /// <summary>Events per delivery. Default 1 (Event Grid's default); 1 to 5000.</summary>
    [SettingRange(1, 5000, ErrorMessage = SectionName + ":" + nameof(MaxEventsPerBatch) + Between + nameof(MaxEventsPerBatch) + ").")]
    public int MaxEventsPerBatch { get; set; } = 1;

    /// <summary>Preferred batch size in KiB (a batch closes before it would exceed it). Default 64; 1 to 1024.</summary>
    [SettingRange(1, 1024, ErrorMessage = SectionName + ":" + nameof(PreferredBatchSizeInKilobytes) + Between + nameof(PreferredBatchSizeInKilobytes) + ").")]
    public int PreferredBatchSizeInKilobytes { get; set; } = 64;

    /// <summary>Deliveries tried per event before it is dead-lettered. Default 30; 1 to 30.</summary>
    [SettingRange(1, 30, ErrorMessage = SectionName + ":" + nameof(MaxDeliveryAttempts) + Between + nameof(MaxDeliveryAttempts) + ").")]
    public int MaxDeliveryAttempts { get; set; } = 30;

    /// <summary>Time to live of an event from its publish time. Default 1440 min (24 h); 1 min to 1440 min.</summary>
    [SettingRange(typeof(TimeSpan), "00:01:00", "1.00:00:00", ErrorMessage = SectionName + ":" + nameof(EventTimeToLive) + Between + nameof(EventTimeToLive) + ").")]
    public TimeSpan EventTimeToLive { get; set; } = TimeSpan.FromMinutes(1440);

    /// <summary>How long a delivery waits for the webhook's answer. Default 30 s (Event Grid's); 1 s to 5 min.</summary>
    [SettingRange(typeof(TimeSpan), "00:00:01", "00:05:00", ErrorMessage = SectionName + ":" + nameof(ResponseTimeout) + Between + nameof(ResponseTimeout) + ").")]
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Multiplies the retry schedule and the time to live, so tests can compress hours into seconds
    /// (0.01: the first retry after about 100 ms). Default 1; above 0, at most 1.
    /// </summary>
    [SettingRange(0d, 1d, MinimumIsExclusive = true, ErrorMessage = SectionName + ":" + nameof(TimeScale) + " must be above {1} and at most {2} (app setting " + SectionName + "__" + nameof(TimeScale) + ").")]
    public double TimeScale { get; set; } = 1;

    /// <summary>Deliveries in flight at once. Default 16; 1 to 256.</summary>
    [SettingRange(1, 256, ErrorMessage = SectionName + ":" + nameof(MaxConcurrentDeliveries) + Between + nameof(MaxConcurrentDeliveries) + ").")]
    public int MaxConcurrentDeliveries { get; set; } = 16;

    /// <summary>Fault injection for tests and demos.</summary>
    [ValidateObjectMembers]
    public LocalEventGridFaultOptions Faults { get; set; } = new();
}
