using FunctionsDashboard.Access;
using FunctionsDashboard.Functions.Access;
using FunctionsDashboard.Sse;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;

namespace FunctionsDashboard.Functions.Sse;

/// <summary><c>GET /api/events/streams</c>: every stream the caller may read, with its head (for stream pickers and per-stream gap fill).</summary>
public sealed class EventStreamsFunction(StreamAccess access, EventHistory history)
{
    /// <summary>The function name (app settings such as <c>AzureWebJobs.EventStreams.Disabled</c> use it).</summary>
    public const string Name = "EventStreams";

    /// <summary>Lists the streams.</summary>
    [Function(Name)]
    public async Task<Results<Ok<EventStreams>, ProblemHttpResult>> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "events/streams")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var decision = await access.DecideAsync(request.Credentials(), cancellationToken);
        if (!decision.Allowed)
        {
            return AccessHttp.Refusal(request.HttpContext.Response, decision);
        }

        var streams = await history.StreamsAsync(decision.Readable, cancellationToken);
        return TypedResults.Ok(new EventStreams(streams, decision.Readable.Patterns.Select(p => p.Text).ToList()));
    }
}
