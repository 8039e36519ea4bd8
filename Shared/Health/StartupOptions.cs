using FunctionsDashboard.Options;

namespace FunctionsDashboard.Health;

/// <summary>
/// How startup steps retry (section <c>Startup</c>, app settings <c>Startup__*</c>). A step that fails or times out is
/// tried again, with capped, jittered exponential backoff, for as long as it takes: a slow or missing dependency means
/// "not ready, retrying" on <c>/api/health</c>, never an exit. Only configuration defects stop the host.
/// </summary>
public sealed class StartupOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Startup";

    /// <summary>Default <see cref="MaxRetryDelay"/>: 30 s.</summary>
    public static readonly TimeSpan DefaultMaxRetryDelay = TimeSpan.FromSeconds(30);

    /// <summary>Default <see cref="AttemptTimeout"/>: 2 min.</summary>
    public static readonly TimeSpan DefaultAttemptTimeout = TimeSpan.FromMinutes(2);

    /// <summary>The median wait before the second try of a failing step (doubles per try, with jitter): 250 ms.</summary>
    public static readonly TimeSpan BaseRetryDelay = TimeSpan.FromMilliseconds(250);

    /// <summary>Cap of one wait between two tries of a failing step. Default 30 s; 100 ms – 10 min.</summary>
    [SettingRange(typeof(TimeSpan), "00:00:00.100", "00:10:00", ErrorMessage = SectionName + ":" + nameof(MaxRetryDelay) + " must be between {1} and {2} (app setting " + SectionName + "__" + nameof(MaxRetryDelay) + ").")]
    public TimeSpan MaxRetryDelay { get; set; } = DefaultMaxRetryDelay;

    /// <summary>
    /// Longest one try of a step may take before it is cancelled and tried again (a dependency that accepts the
    /// connection and never answers). Default 2 min; 1 s – 30 min.
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:00:01", "00:30:00", ErrorMessage = SectionName + ":" + nameof(AttemptTimeout) + " must be between {1} and {2} (app setting " + SectionName + "__" + nameof(AttemptTimeout) + ").")]
    public TimeSpan AttemptTimeout { get; set; } = DefaultAttemptTimeout;
}
