using FunctionsDashboard.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;

namespace FunctionsDashboard.Functions.Connections;

/// <summary><c>GET /api/connections</c>: presence (live connections in total, per user and per hub) and the last sweep.</summary>
public sealed class ConnectionsFunction(ConnectionRegistry registry, ConnectionSweeper sweeper)
{
    /// <summary>Counts the live connections.</summary>
    [Function("Connections")]
    public async Task<Ok<ConnectionsReport>> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "connections")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var presence = await registry.CountAsync(cancellationToken);
        var lastSweep = await sweeper.LastSweepAsync(cancellationToken);
        return TypedResults.Ok(new ConnectionsReport(presence.Count, presence.Users, presence.Hubs, presence.CountedAt, lastSweep));
    }
}
