using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FunctionsDashboard.Health;

/// <summary>
/// Check <c>startup</c>: healthy once every <see cref="IStartupStep"/> has succeeded (<see cref="Readiness"/>). Until then
/// it is unhealthy with the startup service's reason ("retrying, attempt n, next in s"): the steps themselves run and retry
/// in <see cref="StartupService"/>, never in a health request, so the check costs nothing.
/// </summary>
internal sealed class StartupHealthCheck(Readiness readiness) : IHealthCheck
{
    /// <summary>The check's name in the health answer.</summary>
    public const string Name = "startup";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(readiness.IsReady
            ? HealthCheckResult.Healthy("handlers frozen, storage provisioned")
            : HealthCheckResult.Unhealthy(readiness.Reason ?? "starting"));
}
