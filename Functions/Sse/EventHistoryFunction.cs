using System.Globalization;
using FunctionsDashboard.Access;
using FunctionsDashboard.Functions.Access;
using FunctionsDashboard.Sse;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;

namespace FunctionsDashboard.Functions.Sse;

/// <summary>
/// <c>GET /api/events/history</c>: gap fill. By cursor over every readable stream (or the named ones):
/// <c>?cursor={c}&amp;limit={n}[&amp;stream=...]</c> → <see cref="HistoryPage"/> (no cursor: from the oldest retained);
/// or by one stream and seq: <c>?stream={s}&amp;after={seq}[&amp;generation={g}]</c> → <see cref="StreamHistoryPage"/>.
/// Either way <c>reset</c> is true when the position could not be served exactly (the client reloads its view).
/// </summary>
public sealed class EventHistoryFunction(StreamAccess access, StreamReadPlanner planner, EventHistory history)
{
    /// <summary>The function name (app settings such as <c>AzureWebJobs.EventHistory.Disabled</c> use it).</summary>
    public const string Name = "EventHistory";

    /// <summary>Default page size.</summary>
    public const int DefaultLimit = 100;

    /// <summary>Reads a page.</summary>
    [Function(Name)]
    public async Task<Results<Ok<HistoryPage>, Ok<StreamHistoryPage>, ProblemHttpResult>> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "events/history")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var decision = await access.DecideAsync(request.Credentials(), cancellationToken);
        if (!decision.Allowed)
        {
            return AccessHttp.Refusal(request.HttpContext.Response, decision);
        }

        var limit = DefaultLimit;
        if (request.Query["limit"].FirstOrDefault() is { } limitText
            && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > EventHistory.MaxLimit))
        {
            return BadRequest($"'limit' must be an integer from 1 to {EventHistory.MaxLimit}.");
        }

        var streams = request.Query["stream"];
        if (request.Query["after"].FirstOrDefault() is { } afterText)
        {
            if (!long.TryParse(afterText, NumberStyles.None, CultureInfo.InvariantCulture, out var after))
            {
                return BadRequest("'after' must be the last sequence number the client has of the stream (0 for the beginning).");
            }

            if (streams.Count != 1 || StreamPattern.TryParse(streams[0]) is not { IsPrefix: false })
            {
                return BadRequest("'after' needs exactly one stream name (?stream=name&after=seq); for several streams use 'cursor'.");
            }

            var (single, singleProblem) = await planner.PlanAsync(decision.Readable, streams, null, cancellationToken);
            if (single is null)
            {
                return AccessHttp.Problem(singleProblem!);
            }

            var generation = request.Query["generation"].FirstOrDefault();
            return TypedResults.Ok(await history.ReadStreamAsync(streams[0]!, string.IsNullOrEmpty(generation) ? null : generation, after, limit, cancellationToken));
        }

        var (plan, problem) = await planner.PlanAsync(decision.Readable, streams, request.Query["cursor"].FirstOrDefault(), cancellationToken);
        if (plan is null)
        {
            return AccessHttp.Problem(problem!);
        }

        return TypedResults.Ok(await history.ReadAsync(plan, limit, cancellationToken));
    }

    private static ProblemHttpResult BadRequest(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad history query", detail: detail);
}
