using FunctionsDashboard.Options;

namespace FunctionsDashboard.Relay;

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
