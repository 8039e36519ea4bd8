using FunctionsDashboard.Functions.Hosting;
using FunctionsDashboard.Health;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;

namespace FunctionsDashboard.Functions.Health;

/// <summary><c>GET /api/health</c>: liveness and readiness, with the reason when not ready.</summary>
public sealed class HealthFunction(DashboardHealth health, Readiness readiness)
{
    /// <summary>The function name (app settings such as <c>AzureWebJobs.Health.Disabled</c> use it).</summary>
    public const string Name = "Health";

    /// <summary>What a 503 tells the caller to wait unless a startup step says when it tries again.</summary>
    public static readonly TimeSpan DefaultRetryAfter = TimeSpan.FromSeconds(5);

    /// <summary>200 with the report when ready; 503 problem+json (with the report) when not, <c>Retry-After</c> = the next startup retry (1–30 s) or 5 s.</summary>
    [Function(Name)]
    public async Task<Results<Ok<HealthReport>, ProblemHttpResult>> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var report = await health.CheckAsync(cancellationToken);
        if (report.Ready)
        {
            return TypedResults.Ok(report);
        }

        var retryAfter = readiness.RetryAfter is { } next ? TimeSpan.FromSeconds(Math.Clamp(next.TotalSeconds, 1, 30)) : DefaultRetryAfter;
        return Problems.NotReady(request.HttpContext.Response, report.Reason ?? "not ready", retryAfter, new Dictionary<string, object?>
        {
            ["health"] = report.Status,
            ["live"] = report.Live,
            ["ready"] = report.Ready,
            ["checks"] = report.Checks,
            ["checkedAt"] = report.CheckedAt,
        });
    }
}
