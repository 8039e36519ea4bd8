using FunctionsDashboard.Relay;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;

namespace FunctionsDashboard.Functions.Relay;

/// <summary><c>GET /api/relay/stats</c>: this instance's relay counters (accepted, duplicates, hand-offs, ...).</summary>
public sealed class RelayStatsFunction(RelayStats stats)
{
    /// <summary>The function name (app settings such as <c>AzureWebJobs.RelayStats.Disabled</c> use it).</summary>
    public const string Name = "RelayStats";

    /// <summary>200 with the counters.</summary>
    [Function(Name)]
    public Ok<RelayStatsSnapshot> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "relay/stats")] HttpRequest request) =>
        TypedResults.Ok(stats.Snapshot());
}
