using FunctionsDashboard.Options;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Health;

/// <summary>
/// Check <c>options</c>: always healthy, since options were validated when the host started (the app would not be
/// running otherwise); it shows the timing settings in force.
/// </summary>
internal sealed class OptionsHealthCheck(IOptions<DashboardOptions> options) : IHealthCheck
{
    /// <summary>The check's name in the health answer.</summary>
    public const string Name = "options";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var o = options.Value;
        return Task.FromResult(HealthCheckResult.Healthy($"heartbeat {o.HeartbeatInterval}, stale {o.StaleTimeout}, connection timeout {o.ConnectionTimeout}"));
    }
}
