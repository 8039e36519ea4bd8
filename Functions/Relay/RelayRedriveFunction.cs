using FunctionsDashboard.Functions.Hosting;
using FunctionsDashboard.Relay;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Functions.Relay;

/// <summary>
/// <c>POST /api/relay/deadletters/redrive?stream=</c>: queues every dead-lettered event (of one stream, or all) for
/// delivery again and says how many. Admin only, as <see cref="RelayDeadLettersFunction"/>.
/// </summary>
public sealed class RelayRedriveFunction(RelayDeadLetters deadLetters, IOptions<RelayOptions> options)
{
    /// <summary>The function name (app settings such as <c>AzureWebJobs.RelayRedrive.Disabled</c> use it).</summary>
    public const string Name = "RelayRedrive";

    /// <summary>200 with the counts; 400, 401 or 403 as problem+json.</summary>
    [Function(Name)]
    public async Task<Results<Ok<RedriveResult>, ProblemHttpResult>> Run(
        [HttpTrigger(AuthorizationLevel.Admin, "post", Route = "relay/deadletters/redrive")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        if (AdminProblems.CheckWithStream(request, options.Value.AdminKey, out var stream) is { } refused)
        {
            return refused;
        }

        return TypedResults.Ok(await deadLetters.RedriveAsync(stream, cancellationToken));
    }
}
