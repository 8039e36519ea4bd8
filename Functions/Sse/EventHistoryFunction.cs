using System.Globalization;
using FunctionsDashboard.EventLog;
using FunctionsDashboard.Relay;
using FunctionsDashboard.Sse;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Functions.Sse;

/// <summary>The answer of the history API.</summary>
/// <param name="Stream">The stream.</param>
/// <param name="LastSeq">The stream's highest seq now.</param>
/// <param name="Events">The events after the requested seq, in order.</param>
public sealed record EventHistory(string Stream, long LastSeq, IReadOnlyList<DashboardEvent> Events);

/// <summary><c>GET /api/events/history?after={seq}&amp;limit={n}&amp;stream={s}</c>: gap fill for reconnecting clients.</summary>
public sealed class EventHistoryFunction(RelayEventLog log, IOptions<SseOptions> options)
{
    /// <summary>Default page size.</summary>
    public const int DefaultLimit = 100;

    /// <summary>Reads the events after <c>after</c>.</summary>
    [Function("EventHistory")]
    public async Task<Results<Ok<EventHistory>, ProblemHttpResult>> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "events/history")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        if (!long.TryParse(request.Query["after"].FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var after))
        {
            return BadRequest("'after' is required: the last sequence number the client has (0 for the beginning).");
        }

        var limit = DefaultLimit;
        if (request.Query["limit"].FirstOrDefault() is { } limitText
            && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > RelayEventLog.MaxReadLimit))
        {
            return BadRequest($"'limit' must be an integer from 1 to {RelayEventLog.MaxReadLimit}.");
        }

        var stream = request.Query["stream"].FirstOrDefault() ?? options.Value.DefaultStream;
        if (!EventQuery.IsValidStream(stream))
        {
            return BadRequest($"'{stream}' is not a stream name.");
        }

        var lastSeq = await log.GetLastSeqAsync(stream, cancellationToken);
        var events = await log.ReadAfterAsync(stream, after, limit, cancellationToken);
        return TypedResults.Ok(new EventHistory(stream, lastSeq, events.Select(DashboardEvent.From).ToList()));
    }

    private static ProblemHttpResult BadRequest(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad history query", detail: detail);
}
