using FunctionsDashboard.Functions.Hosting;
using FunctionsDashboard.Relay;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Functions.Relay;

/// <summary>
/// <c>GET /api/relay/deadletters?stream=&amp;limit=</c>: the events delivery gave up on, with their reasons. Admin only:
/// the Functions admin level in Azure, and header <c>X-Dashboard-Admin-Key</c> = <c>Relay:AdminKey</c> in both hosts.
/// </summary>
public sealed class RelayDeadLettersFunction(RelayDeadLetters deadLetters, IOptions<RelayOptions> options)
{
    /// <summary>The function name (app settings such as <c>AzureWebJobs.RelayDeadLetters.Disabled</c> use it).</summary>
    public const string Name = "RelayDeadLetters";

    /// <summary>200 with up to <c>limit</c> (default 100, at most 1000) entries; 400, 401 or 403 as problem+json.</summary>
    [Function(Name)]
    public async Task<Results<Ok<DeadLetterListing>, ProblemHttpResult>> Run(
        [HttpTrigger(AuthorizationLevel.Admin, "get", Route = "relay/deadletters")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        if (AdminProblems.CheckWithStream(request, options.Value.AdminKey, out var stream) is { } refused)
        {
            return refused;
        }

        var limitText = request.Query["limit"].FirstOrDefault();
        var limit = RelayDeadLetters.DefaultListLimit;
        if (limitText is not null && (!int.TryParse(limitText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out limit) || limit is < 1 or > RelayDeadLetters.MaxListLimit))
        {
            return TypedResults.Problem(title: "Bad limit", detail: $"limit must be a whole number from 1 to {RelayDeadLetters.MaxListLimit}.", statusCode: StatusCodes.Status400BadRequest);
        }

        return TypedResults.Ok(await deadLetters.ListAsync(stream, limit, cancellationToken));
    }
}
