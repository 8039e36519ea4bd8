using FunctionsDashboard.Functions.Hosting;
using FunctionsDashboard.Health;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;

namespace FunctionsDashboard.Functions.Health;

/// <summary><c>GET /api/health</c>: liveness and readiness, with the reason when not ready.</summary>
public sealed class HealthFunction(DashboardHealth health)
{
    /// <summary>200 with the report when ready; 503 problem+json (with the report) when not.</summary>
    [Function(nameof(Health))]
    public async Task<Results<Ok<HealthReport>, ProblemHttpResult>> Health(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var report = await health.CheckAsync(cancellationToken);
        if (report.Ready)
        {
            return TypedResults.Ok(report);
        }

        return Problems.NotReady(request.HttpContext.Response, report.Reason ?? "not ready", TimeSpan.FromSeconds(5), new Dictionary<string, object?>
        {
            ["health"] = report.Status,
            ["live"] = report.Live,
            ["ready"] = report.Ready,
            ["checks"] = report.Checks,
            ["checkedAt"] = report.CheckedAt,
        });
    }
}
