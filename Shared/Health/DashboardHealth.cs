using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Health;

/// <summary>
/// Liveness and readiness for <c>/api/health</c>: runs the registered <see cref="IHealthCheck"/>s (options, startup,
/// storage; see <see cref="DashboardCoreExtensions.AddDashboardCore{TBuilder}"/>) through the platform's
/// <see cref="HealthCheckService"/> and answers in the app's own shape. Ready when every check is healthy.
/// </summary>
public sealed class DashboardHealth(HealthCheckService checks, IOptions<HealthCheckServiceOptions> registrations, TimeProvider timeProvider)
{
    /// <summary>Runs the checks. Never throws for a failing dependency: that becomes a failed check.</summary>
    public async Task<HealthReport> CheckAsync(CancellationToken cancellationToken)
    {
        var report = await checks.CheckHealthAsync(cancellationToken);

        // In registration order, so the answer lists the checks as they are declared.
        var outcomes = new List<HealthCheckOutcome>(report.Entries.Count);
        foreach (var registration in registrations.Value.Registrations)
        {
            if (report.Entries.TryGetValue(registration.Name, out var entry))
            {
                outcomes.Add(new(registration.Name, entry.Status == HealthStatus.Healthy, entry.Description ?? entry.Status.ToString()));
            }
        }

        var ready = report.Status == HealthStatus.Healthy;
        var reason = ready ? null : string.Join("; ", outcomes.Where(c => !c.Ok).Select(c => $"{c.Name}: {c.Detail}"));
        return new HealthReport(ready ? "ready" : "not-ready", Live: true, ready, reason, outcomes, timeProvider.GetUtcNow());
    }
}
