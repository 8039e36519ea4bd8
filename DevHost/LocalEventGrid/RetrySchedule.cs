namespace FunctionsDashboard.DevHost.LocalEventGrid;

/// <summary>
/// Event Grid's webhook retry schedule: 10 s, 30 s, 1 min, 5 min, 10 min, 30 min, 1 h, 3 h, 6 h, then every 12 h
/// (bounded by the event's time to live and the subscription's max attempts), each with a small randomization (±10 %).
/// </summary>
internal static class RetrySchedule
{
    /// <summary>The spread of the randomization: a delay lies within nominal × (1 ± Jitter).</summary>
    public const double Jitter = 0.1;

    public static readonly IReadOnlyList<TimeSpan> Nominal =
    [
        TimeSpan.FromSeconds(10),
        TimeSpan.FromSeconds(30),
        TimeSpan.FromMinutes(1),
        TimeSpan.FromMinutes(5),
        TimeSpan.FromMinutes(10),
        TimeSpan.FromMinutes(30),
        TimeSpan.FromHours(1),
        TimeSpan.FromHours(3),
        TimeSpan.FromHours(6),
        TimeSpan.FromHours(12),
    ];

    /// <summary>The nominal wait after the <paramref name="failedAttempts"/>-th failed delivery (1-based).</summary>
    public static TimeSpan NominalDelay(int failedAttempts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failedAttempts, 1);
        return Nominal[Math.Min(failedAttempts, Nominal.Count) - 1];
    }

    /// <summary>
    /// The wait after the <paramref name="failedAttempts"/>-th failed delivery: nominal × (1 + Jitter × (2u − 1)) × <paramref name="timeScale"/>,
    /// with <paramref name="unitRandom"/> = u in [0, 1).
    /// </summary>
    public static TimeSpan Delay(int failedAttempts, double unitRandom, double timeScale) =>
        NominalDelay(failedAttempts) * (1 + (Jitter * ((2 * unitRandom) - 1))) * timeScale;
}
