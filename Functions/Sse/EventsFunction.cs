using System.Globalization;
using FunctionsDashboard.Sse;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Functions.Sse;

/// <summary>
/// <c>GET /api/events</c>: the Server-Sent Events fallback. <c>id:</c> is the event's sequence number and
/// <c>Last-Event-ID</c> (header, or <c>lastEventId</c> query) resumes right after it; <c>?stream=</c> picks the stream;
/// <c>?typed=false</c> omits <c>event:</c> so <c>EventSource.onmessage</c> sees every event.
/// </summary>
public sealed class EventsFunction(SseSession session, IOptions<SseOptions> options)
{
    /// <summary>Streams events until the cap, then ends cleanly.</summary>
    [Function("Events")]
    public async Task<IResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "events")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var lastEventIdText = request.Headers["Last-Event-ID"].FirstOrDefault() ?? request.Query["lastEventId"].FirstOrDefault();
        long? lastEventId = null;
        if (!string.IsNullOrEmpty(lastEventIdText))
        {
            if (!long.TryParse(lastEventIdText, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad Last-Event-ID", detail: "Last-Event-ID must be a sequence number (a non-negative integer).");
            }

            lastEventId = parsed;
        }

        var stream = request.Query["stream"].FirstOrDefault() ?? options.Value.DefaultStream;
        if (!EventQuery.IsValidStream(stream))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad stream", detail: $"'{stream}' is not a stream name.");
        }

        var typed = !string.Equals(request.Query["typed"].FirstOrDefault(), "false", StringComparison.OrdinalIgnoreCase);
        var response = request.HttpContext.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        await response.StartAsync(cancellationToken);
        await session.RunAsync(response.Body, stream, lastEventId, typed, cancellationToken);
        return TypedResults.Empty;
    }
}
