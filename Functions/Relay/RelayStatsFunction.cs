using FunctionsDashboard.Relay;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;

namespace FunctionsDashboard.Functions.Relay;

/// <summary><c>GET /api/relay/stats</c>: this instance's relay counters (accepted, duplicates, hand-offs, ...).</summary>
public sealed class RelayStatsFunction(RelayStats stats)
{
    /// <summary>200 with the counters.</summary>
    [Function(nameof(RelayStats))]
    public Ok<RelayStatsSnapshot> RelayStats(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "relay/stats")] HttpRequest request) =>
        TypedResults.Ok(stats.Snapshot());
}
