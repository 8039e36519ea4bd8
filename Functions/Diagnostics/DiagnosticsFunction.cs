using FunctionsDashboard.Diagnostics;
using FunctionsDashboard.Functions.Hosting;
using FunctionsDashboard.Relay;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Functions.Diagnostics;

/// <summary>
/// <c>GET /api/diagnostics</c>: the deep self-check (storage, SignalR key, upstream arrival, Event Grid, clock skew,
/// contradicting settings), each check bounded in time, all at once. Admin only: header <c>X-Dashboard-Admin-Key</c> =
/// <c>Relay:AdminKey</c>, as the other admin endpoints; it answers while the app is not ready, too (that is when it helps).
/// <c>/api/health</c> stays the cheap probe.
/// </summary>
public sealed class DiagnosticsFunction(SelfCheck selfCheck, IOptions<RelayOptions> relayOptions)
{
    /// <summary>The function name (app settings such as <c>AzureWebJobs.Diagnostics.Disabled</c> use it).</summary>
    public const string Name = "Diagnostics";

    /// <summary>200 <c>{status, checkedAt, checks: [{name, status, detail, hint}]}</c>; 401 or 403 as problem+json.</summary>
    [Function(Name)]
    public async Task<Results<Ok<DiagnosticsReport>, ProblemHttpResult>> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "diagnostics")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        if (AdminProblems.Check(request, relayOptions.Value.AdminKey) is { } refused)
        {
            return refused;
        }

        request.HttpContext.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(await selfCheck.RunAsync(new DiagnosticsContext(request.OwnOrigin()), cancellationToken));
    }
}
