using FunctionsDashboard.Options;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Relay;

/// <summary>
/// The Event Grid relay's settings, bound from the <c>Relay</c> section (app settings <c>Relay__WebhookSecret</c>, ...)
/// and validated at startup by <see cref="RelayOptionsValidator"/> (ranges) and <see cref="RelayOptionsCrossFieldValidator"/>: a bad value stops the app with a message that names it.
/// </summary>
public sealed class RelayOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Relay";

    /// <summary>Default largest accepted webhook body: the largest delivery Event Grid can make (<see cref="EventGridLimits.MaxDeliveryBytes"/>, ~3.44 MiB).</summary>
    public const int DefaultMaxBodyBytes = EventGridLimits.MaxDeliveryBytes;

    /// <summary>Default ack budget: 4 s (Event Grid waits 30 s; answering 503 early beats stalling).</summary>
    public static readonly TimeSpan DefaultAckTimeout = TimeSpan.FromSeconds(4);

    /// <summary>Default number of retries of one event-log write inside a webhook request: 3.</summary>
    public const int DefaultAppendRetries = 3;

    /// <summary>Default period of the outbox sweep: 1 min.</summary>
    public static readonly TimeSpan DefaultOutboxSweepInterval = TimeSpan.FromMinutes(1);

    /// <summary>Default age after which a committed but not handed-off range is re-handed off by the sweep: 1 min.</summary>
    public static readonly TimeSpan DefaultPendingGrace = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The shared secret Event Grid presents, as query parameter <c>code</c> or header <c>X-Dashboard-Webhook-Secret</c>
    /// (app setting <c>Relay__WebhookSecret</c>). Required unless <see cref="AllowUnauthenticated"/> is set.
    /// </summary>
    public string WebhookSecret { get; set; } = "";

    /// <summary>Accept webhook calls without a secret. Default false; only for throwaway setups.</summary>
    public bool AllowUnauthenticated { get; set; }

    /// <summary>
    /// Largest accepted webhook body in bytes; larger bodies get 413 (which Event Grid never retries). Default and
    /// maximum: <see cref="EventGridLimits.MaxDeliveryBytes"/> (3,608,578), so every delivery of an accepted event fits;
    /// at least 1 KiB.
    /// </summary>
    [SettingRange(1024, DefaultMaxBodyBytes, ErrorMessage = SectionName + ":" + nameof(MaxBodyBytes) + " must be between {1} and {2} (app setting " + SectionName + "__" + nameof(MaxBodyBytes) + ").")]
    public int MaxBodyBytes { get; set; } = DefaultMaxBodyBytes;

    /// <summary>
    /// How long a webhook request may wait for its durable write and hand-off before it answers 503 with
    /// <c>Retry-After</c> (Event Grid then redelivers; the write is idempotent). Default 4 s; 500 ms to 25 s.
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:00:00.500", "00:00:25", ErrorMessage = SectionName + ":" + nameof(AckTimeout) + " must be between {1} and {2} (app setting " + SectionName + "__" + nameof(AckTimeout) + ").")]
    public TimeSpan AckTimeout { get; set; } = DefaultAckTimeout;

    /// <summary>Retries of one event-log write or queue hand-off within <see cref="AckTimeout"/>. Default 3; 0 to 10.</summary>
    [SettingRange(0, 10, ErrorMessage = SectionName + ":" + nameof(AppendRetries) + " must be between {1} and {2} (app setting " + SectionName + "__" + nameof(AppendRetries) + ").")]
    public int AppendRetries { get; set; } = DefaultAppendRetries;

    /// <summary>How often the outbox sweep looks for committed ranges that were never handed off. Default 1 min; 1 s to 1 h.</summary>
    [SettingRange(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = SectionName + ":" + nameof(OutboxSweepInterval) + " must be between {1} and {2} (app setting " + SectionName + "__" + nameof(OutboxSweepInterval) + ").")]
    public TimeSpan OutboxSweepInterval { get; set; } = DefaultOutboxSweepInterval;

    /// <summary>
    /// A committed range still pending after this long is handed off again by the sweep (its writer crashed or its
    /// hand-off failed). Default 1 min; at least <see cref="AckTimeout"/>, at most 1 h.
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = SectionName + ":" + nameof(PendingGrace) + " must be between {1} and {2} (app setting " + SectionName + "__" + nameof(PendingGrace) + ").")]
    public TimeSpan PendingGrace { get; set; } = DefaultPendingGrace;

    /// <summary>
    /// The key the relay's admin endpoints (<c>GET /api/relay/deadletters</c>, <c>POST /api/relay/deadletters/redrive</c>)
    /// require in header <c>X-Dashboard-Admin-Key</c> (app setting <c>Relay__AdminKey</c>), on top of the Functions admin
    /// level in Azure. Empty (the default): those endpoints are disabled (403). At least 16 characters when set.
    /// </summary>
    [EmptyOrMinLength(16, ErrorMessage = SectionName + ":AdminKey is shorter than 16 characters (app setting " + SectionName + "__AdminKey); use a long random key, or leave it empty to disable the admin endpoints.")]
    public string AdminKey { get; set; } = "";

    /// <summary>The retry policy of delivery to the SignalR Service (used by the delivery function).</summary>
    [ValidateObjectMembers]
    public RelayDeliveryOptions Delivery { get; set; } = new();
}
