using FunctionsDashboard.Options;

namespace FunctionsDashboard.Diagnostics;

/// <summary>Settings of the self-check <c>GET /api/diagnostics</c> (section <c>Diagnostics</c>). See docs/diagnostics.md.</summary>
public sealed class DiagnosticsOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Diagnostics";

    /// <summary>Default of <see cref="CheckTimeout"/>: 5 s.</summary>
    public static readonly TimeSpan DefaultCheckTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Default of <see cref="EventGridQuietPeriod"/>: 1 day.</summary>
    public static readonly TimeSpan DefaultEventGridQuietPeriod = TimeSpan.FromDays(1);

    /// <summary>How long one check may run before it is reported as failed. Default 5 s; 1 s to 1 min.</summary>
    [SettingRange(typeof(TimeSpan), "00:00:01", "00:01:00", ErrorMessage = SectionName + ":" + nameof(CheckTimeout) + " must be between {1} and {2} (app setting " + SectionName + "__" + nameof(CheckTimeout) + ").")]
    public TimeSpan CheckTimeout { get; set; } = DefaultCheckTimeout;

    /// <summary>
    /// The Event Grid check warns when neither a delivery nor a validation handshake arrived for this long (a quiet
    /// topic, or a subscription that stopped delivering). Default 1 day; 1 min to 30 days.
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:01:00", "30.00:00:00", ErrorMessage = SectionName + ":" + nameof(EventGridQuietPeriod) + " must be between {1} and {2} (app setting " + SectionName + "__" + nameof(EventGridQuietPeriod) + ").")]
    public TimeSpan EventGridQuietPeriod { get; set; } = DefaultEventGridQuietPeriod;
}
