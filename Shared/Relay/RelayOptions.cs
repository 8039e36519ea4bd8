using System.ComponentModel.DataAnnotations;
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

/// <summary>
/// How the delivery function retries a hand-off to the SignalR Service: exponential backoff with jitter, capped.
/// Section <c>Relay:Delivery</c> (app settings <c>Relay__Delivery__MaxAttempts</c>, ...).
/// </summary>
public sealed class RelayDeliveryOptions
{
    /// <summary>Default tries per event: 10.</summary>
    public const int DefaultMaxAttempts = 10;

    /// <summary>Default first backoff: 2 s.</summary>
    public static readonly TimeSpan DefaultBaseDelay = TimeSpan.FromSeconds(2);

    /// <summary>Default cap of one backoff: 30 s.</summary>
    public static readonly TimeSpan DefaultMaxDelay = TimeSpan.FromSeconds(30);

    /// <summary>Default time one queue message may wait for its range before the rest is handed off again: 2 min.</summary>
    public static readonly TimeSpan DefaultMessageBudget = TimeSpan.FromMinutes(2);

    /// <summary>Default most events per hub message: 50 (a batch of one is still an <c>event</c> message).</summary>
    public const int DefaultMaxEventsPerMessage = 50;

    /// <summary>Largest <see cref="MaxEventsPerMessage"/>: 100.</summary>
    public const int MaxMaxEventsPerMessage = 100;

    /// <summary>Default invisibility of a fresh hand-off message (the safety net runs after the fast path): 5 s.</summary>
    public static readonly TimeSpan DefaultSafetyNetDelay = TimeSpan.FromSeconds(5);

    /// <summary>Tries in all (the first one included) before an event is dead-lettered. Default 10; 1 to 100.</summary>
    [SettingRange(1, 100, ErrorMessage = RelayOptions.SectionName + ":Delivery:" + nameof(MaxAttempts) + " must be between {1} and {2} (app setting " + RelayOptions.SectionName + "__Delivery__" + nameof(MaxAttempts) + ").")]
    public int MaxAttempts { get; set; } = DefaultMaxAttempts;

    /// <summary>Median wait before the second try; it doubles per try. Default 2 s; 10 ms to 1 min.</summary>
    [SettingRange(typeof(TimeSpan), "00:00:00.010", "00:01:00", ErrorMessage = RelayOptions.SectionName + ":Delivery:" + nameof(BaseDelay) + " must be between {1} and {2} (app setting " + RelayOptions.SectionName + "__Delivery__" + nameof(BaseDelay) + ").")]
    public TimeSpan BaseDelay { get; set; } = DefaultBaseDelay;

    /// <summary>
    /// Cap of one wait, also of a wait the Service asks for with <c>Retry-After</c>. Default 30 s; at least
    /// <see cref="BaseDelay"/>, at most 10 min.
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:00:00.010", "00:10:00", ErrorMessage = RelayOptions.SectionName + ":Delivery:" + nameof(MaxDelay) + " must be between {1} and {2} (app setting " + RelayOptions.SectionName + "__Delivery__" + nameof(MaxDelay) + ").")]
    public TimeSpan MaxDelay { get; set; } = DefaultMaxDelay;

    /// <summary>
    /// How long one delivery queue message may wait for its stream's sender to settle its range. Once it is spent, the
    /// part not settled yet is handed off as a new message and this one completes, so no invocation runs into the
    /// function timeout (10 min in host.json). Default 2 min; 1 s to 5 min.
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:00:01", "00:05:00", ErrorMessage = RelayOptions.SectionName + ":Delivery:" + nameof(MessageBudget) + " must be between {1} and {2} (app setting " + RelayOptions.SectionName + "__Delivery__" + nameof(MessageBudget) + ").")]
    public TimeSpan MessageBudget { get; set; } = DefaultMessageBudget;

    /// <summary>
    /// Most events one hub message carries. Above 1 (default 50): when several consecutive events of a stream are
    /// waiting (a burst, a slow or throttled Service, a backlog), they go as ONE hub message <c>events</c> with an array
    /// (ascending seq); a single waiting event is still sent as <c>event</c>. Clients handle both (the page does). 1:
    /// every event is its own <c>event</c> message, for clients that only know <c>event</c>, at the price of one REST
    /// call per event (a throttled Service then drains a backlog far slower). 1 to 100.
    /// </summary>
    [SettingRange(1, MaxMaxEventsPerMessage, ErrorMessage = RelayOptions.SectionName + ":Delivery:" + nameof(MaxEventsPerMessage) + " must be between {1} and {2} (app setting " + RelayOptions.SectionName + "__Delivery__" + nameof(MaxEventsPerMessage) + ").")]
    public int MaxEventsPerMessage { get; set; } = DefaultMaxEventsPerMessage;

    /// <summary>
    /// How long a fresh hand-off message stays invisible on the delivery queue, so the queue function (the safety net)
    /// runs after the fast path (which pushes straight after the commit) has settled the range and made its watermark
    /// durable; it then finds the range settled and does nothing. Default 5 s; 0 to 1 min.
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:00:00", "00:01:00", ErrorMessage = RelayOptions.SectionName + ":Delivery:" + nameof(SafetyNetDelay) + " must be between {1} and {2} (app setting " + RelayOptions.SectionName + "__Delivery__" + nameof(SafetyNetDelay) + ").")]
    public TimeSpan SafetyNetDelay { get; set; } = DefaultSafetyNetDelay;

    /// <summary>Timeout of one try. Default <c>Dashboard:ConnectionTimeout</c> (10 s); 100 ms to 2 min.</summary>
    [SettingRange(typeof(TimeSpan), "00:00:00.100", "00:02:00", ErrorMessage = RelayOptions.SectionName + ":Delivery:" + nameof(AttemptTimeout) + " must be between {1} and {2} (app setting " + RelayOptions.SectionName + "__Delivery__" + nameof(AttemptTimeout) + ").")]
    public TimeSpan AttemptTimeout { get; set; }
}
