using FunctionsDashboard.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;

namespace FunctionsDashboard.Functions.Connections;

/// <summary><c>GET /api/connections</c>: presence — live connections in total, per user and per hub.</summary>
public sealed class ConnectionsFunction(ConnectionRegistry registry)
{
    /// <summary>Counts the live connections.</summary>
    [Function("Connections")]
    public async Task<Ok<PresenceSnapshot>> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "connections")] HttpRequest request,
        CancellationToken cancellationToken) =>
        TypedResults.Ok(await registry.CountAsync(cancellationToken));
}
