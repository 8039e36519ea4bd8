using FunctionsDashboard.Access;
using FunctionsDashboard.Connections;
using FunctionsDashboard.Functions.Access;
using FunctionsDashboard.Relay;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Functions.Connections;

/// <summary>
/// <c>GET /api/connections</c>: presence under the access rule: live connections per stream the caller may read, per
/// hub, and the last sweep; connections per user only with the admin key (<c>X-Dashboard-Admin-Key</c>).
/// </summary>
public sealed class ConnectionsFunction(StreamAccess access, StreamPresence presence, ConnectionSweeper sweeper, IOptions<RelayOptions> relayOptions)
{
    /// <summary>The function name (app settings such as <c>AzureWebJobs.Connections.Disabled</c> use it).</summary>
    public const string Name = "Connections";

    /// <summary>Counts the live connections.</summary>
    [Function(Name)]
    public async Task<Results<Ok<ConnectionsReport>, ProblemHttpResult>> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "connections")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var admin = RelayAdminKey.Check(relayOptions.Value.AdminKey, request.Headers[RelayAdminKey.HeaderName].FirstOrDefault()) == AdminAccess.Granted;
        var readable = StreamSet.All;
        if (!admin)
        {
            var decision = await access.DecideAsync(request.Credentials(), cancellationToken);
            if (!decision.Allowed)
            {
                return AccessHttp.Refusal(request.HttpContext.Response, decision);
            }

            readable = decision.Readable;
        }

        var lastSweep = await sweeper.LastSweepAsync(cancellationToken);
        return TypedResults.Ok(await presence.ReportAsync(readable, admin, lastSweep, cancellationToken));
    }
}
