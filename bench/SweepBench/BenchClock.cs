namespace FunctionsDashboard.Bench;

/// <summary>
/// A wall clock the benchmark sets by hand (the cutoff and the heartbeat spacing are exact), while timers and
/// timestamps stay real: Polly's timeouts and backoffs work, and <c>SweepResult.DurationMs</c> is real time.
/// </summary>
internal sealed class BenchClock(DateTimeOffset start) : TimeProvider
{
    private long _utcTicks = start.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _utcTicks), TimeSpan.Zero);

    public void Advance(TimeSpan delta) => Interlocked.Add(ref _utcTicks, delta.Ticks);
}
