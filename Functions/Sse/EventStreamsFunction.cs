using FunctionsDashboard.Access;
using FunctionsDashboard.EventLog;
using FunctionsDashboard.Functions.Access;
using FunctionsDashboard.Sse;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;

namespace FunctionsDashboard.Functions.Sse;

/// <summary>The streams a caller may read.</summary>
/// <param name="Streams">Their heads, by name.</param>
/// <param name="Readable">The caller's readable patterns.</param>
public sealed record EventStreams(IReadOnlyList<StreamHead> Streams, IReadOnlyList<string> Readable);

/// <summary><c>GET /api/events/streams</c>: every stream the caller may read, with its head (for stream pickers and per-stream gap fill).</summary>
public sealed class EventStreamsFunction(StreamAccess access, EventHistory history)
{
    /// <summary>Lists the streams.</summary>
    [Function("EventStreams")]
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
