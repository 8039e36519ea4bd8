namespace FunctionsDashboard.Connections;

/// <summary>
/// The sweep's timer schedules. NCRONTAB cannot say "every 90 s" (<c>*/90</c> in the seconds field fires once a minute),
/// so two timer functions share the work: A fires at second 0 of every third minute (00:00, 00:03, ...) and B at
/// second 30 of the minutes in between (00:01:30, 00:04:30, ...). Together: every 90 s, on every hosting plan
/// (a TimeSpan schedule would need a Dedicated plan). Both are app settings so tests can shorten them.
/// </summary>
public static class SweepSchedules
{
    /// <summary>App setting of schedule A.</summary>
    public const string SettingA = "SweepScheduleA";

    /// <summary>App setting of schedule B.</summary>
    public const string SettingB = "SweepScheduleB";

    /// <summary>Default of A: second 0 of minutes 0, 3, 6, ...</summary>
    public const string DefaultA = "0 */3 * * * *";

    /// <summary>Default of B: second 30 of minutes 1, 4, 7, ...</summary>
    public const string DefaultB = "30 1-59/3 * * * *";
}
