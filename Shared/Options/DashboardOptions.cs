namespace FunctionsDashboard.Options;

/// <summary>
/// The timing rules of the dashboard backend. Every number has the default the origin incident settled on
/// and is validated at startup (<see cref="DashboardOptionsValidator"/>, <see cref="DashboardOptionsCrossFieldValidator"/>):
/// a bad value stops the app with a message that names the setting. Bound from the <c>Dashboard</c> section (app settings
/// <c>Dashboard__HeartbeatInterval</c>, ...).
/// </summary>
public sealed class DashboardOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Dashboard";

    private const string Between = " must be between {1} and {2} (app setting " + SectionName + "__";

    /// <summary>Default heartbeat interval: 25 s.</summary>
    public static readonly TimeSpan DefaultHeartbeatInterval = TimeSpan.FromSeconds(25);

    /// <summary>Default stale timeout: 90 s.</summary>
    public static readonly TimeSpan DefaultStaleTimeout = TimeSpan.FromSeconds(90);

    /// <summary>Default connection timeout: 10 s.</summary>
    public static readonly TimeSpan DefaultConnectionTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How often a dashboard sends <c>heartbeat</c> (and SSE streams send <c>:</c> comments). Default 25 s; 1 s to 10 min.</summary>
    [SettingRange(typeof(TimeSpan), "00:00:01", "00:10:00", ErrorMessage = SectionName + ":" + nameof(HeartbeatInterval) + Between + nameof(HeartbeatInterval) + ").")]
    public TimeSpan HeartbeatInterval { get; set; } = DefaultHeartbeatInterval;

    /// <summary>A connection not seen for this long is stale and swept. Default 90 s; at least 2 × <see cref="HeartbeatInterval"/>, at most 1 h.</summary>
    [SettingRange(typeof(TimeSpan), "00:00:02", "01:00:00", ErrorMessage = SectionName + ":" + nameof(StaleTimeout) + Between + nameof(StaleTimeout) + ").")]
    public TimeSpan StaleTimeout { get; set; } = DefaultStaleTimeout;

    /// <summary>Time allowed for one outbound call (storage, SignalR REST) or for a client to connect. Default 10 s; 1 s to 2 min.</summary>
    [SettingRange(typeof(TimeSpan), "00:00:01", "00:02:00", ErrorMessage = SectionName + ":" + nameof(ConnectionTimeout) + Between + nameof(ConnectionTimeout) + ").")]
    public TimeSpan ConnectionTimeout { get; set; } = DefaultConnectionTimeout;
}
