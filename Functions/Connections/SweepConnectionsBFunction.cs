using FunctionsDashboard.Connections;
using Microsoft.Azure.Functions.Worker;

namespace FunctionsDashboard.Functions.Connections;

/// <summary>
/// The other half of the 90 s stale sweep (see <see cref="SweepConnectionsAFunction"/>): <c>%SweepScheduleB%</c> =
/// <c>30 1-59/3 * * * *</c>, 90 s after each run of <c>%SweepScheduleA%</c>. Calls the same sweeper.
/// </summary>
public sealed class SweepConnectionsBFunction(ConnectionSweeper sweeper)
{
    /// <summary>The function name (app settings such as <c>AzureWebJobs.SweepConnectionsB.Disabled</c> use it).</summary>
    public const string Name = "SweepConnectionsB";

    /// <summary>Second 30 of the minutes in between.</summary>
    [Function(Name)]
    public Task Run([TimerTrigger("%" + SweepSchedules.SettingB + "%")] TimerInfo timer, CancellationToken cancellationToken) =>
        sweeper.SweepAsync(cancellationToken);
}
