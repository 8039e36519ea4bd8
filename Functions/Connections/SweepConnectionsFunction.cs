using FunctionsDashboard.Connections;
using Microsoft.Azure.Functions.Worker;

namespace FunctionsDashboard.Functions.Connections;

/// <summary>
/// The stale sweep, every 90 s. NCRONTAB cannot express a 90 s period, so two timers share it (see
/// <see cref="SweepSchedules"/>): <c>%SweepScheduleA%</c> = <c>0 */3 * * * *</c> and <c>%SweepScheduleB%</c> =
/// <c>30 1-59/3 * * * *</c> fire alternately, 90 s apart. Both call the same sweeper.
/// </summary>
public sealed class SweepConnectionsFunction(ConnectionSweeper sweeper)
{
    /// <summary>Second 0 of every third minute.</summary>
    [Function("SweepConnectionsA")]
    public Task SweepA([TimerTrigger("%" + SweepSchedules.SettingA + "%")] TimerInfo timer, CancellationToken cancellationToken) =>
        sweeper.SweepAsync(cancellationToken);

    /// <summary>Second 30 of the minutes in between.</summary>
    [Function("SweepConnectionsB")]
    public Task SweepB([TimerTrigger("%" + SweepSchedules.SettingB + "%")] TimerInfo timer, CancellationToken cancellationToken) =>
        sweeper.SweepAsync(cancellationToken);
}
