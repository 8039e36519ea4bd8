using FunctionsDashboard.Connections;
using Microsoft.Azure.Functions.Worker;

namespace FunctionsDashboard.Functions.Connections;

/// <summary>
/// The stale sweep, every 90 s. NCRONTAB cannot express a 90 s period, so two timers share it (see
/// <see cref="SweepSchedules"/>): <c>%SweepScheduleA%</c> = <c>0 */3 * * * *</c> (this one) and <c>%SweepScheduleB%</c> =
/// <c>30 1-59/3 * * * *</c> (<see cref="SweepConnectionsBFunction"/>) fire alternately, 90 s apart. Both call the same sweeper.
/// </summary>
public sealed class SweepConnectionsAFunction(ConnectionSweeper sweeper)
{
    /// <summary>The function name (app settings such as <c>AzureWebJobs.SweepConnectionsA.Disabled</c> use it).</summary>
    public const string Name = "SweepConnectionsA";

    /// <summary>Second 0 of every third minute.</summary>
    [Function(Name)]
    public Task Run([TimerTrigger("%" + SweepSchedules.SettingA + "%")] TimerInfo timer, CancellationToken cancellationToken) =>
        sweeper.SweepAsync(cancellationToken);
}
