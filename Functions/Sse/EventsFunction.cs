using FunctionsDashboard.Access;
using FunctionsDashboard.Functions.Access;
using FunctionsDashboard.Functions.Hosting;
using FunctionsDashboard.Sse;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace FunctionsDashboard.Functions.Sse;

/// <summary>
/// <c>GET /api/events</c>: Server-Sent Events over every stream the caller may read, or the ones it names
/// (<c>?stream=a&amp;stream=orders.*</c>). <c>id:</c> is an opaque cursor that resumes all of them through
/// <c>Last-Event-ID</c> (header, or <c>lastEventId</c> query); <c>event: reset</c> marks a stream that could not be
/// resumed exactly; <c>?typed=false</c> omits <c>event:</c> on events so <c>EventSource.onmessage</c> sees every one.
/// A client ending the response is a normal end of the run.
/// </summary>
public sealed class EventsFunction(StreamAccess access, StreamReadPlanner planner, SseSession session, StreamSigningKey key)
{
    /// <summary>The function name (app settings such as <c>AzureWebJobs.Events.Disabled</c> use it).</summary>
    public const string Name = "Events";

    /// <summary>Streams events until the cap, then ends cleanly.</summary>
    [Function(Name)]
    public async Task<IResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "events")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var response = request.HttpContext.Response;
        if (!key.IsLoaded)
        {
            return Problems.NotReady(response, "The app is starting.", TimeSpan.FromSeconds(2));
        }

        var decision = await access.DecideAsync(request.Credentials(), cancellationToken);
        if (!decision.Allowed)
        {
            return AccessHttp.Refusal(response, decision);
        }

        var cursor = request.Headers["Last-Event-ID"].FirstOrDefault() ?? request.Query["lastEventId"].FirstOrDefault();
        var (plan, problem) = await planner.PlanAsync(decision.Readable, request.Query["stream"], cursor, cancellationToken);
        if (plan is null)
        {
            return AccessHttp.Problem(problem!);
        }

        var typed = !string.Equals(request.Query["typed"].FirstOrDefault(), "false", StringComparison.OrdinalIgnoreCase);
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        try
        {
            await response.StartAsync(cancellationToken);
            await session.RunAsync(response.Body, plan, typed, cancellationToken);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException
            && (cancellationToken.IsCancellationRequested || request.HttpContext.RequestAborted.IsCancellationRequested))
        {
            // The client went away before the response started: a normal end of the run, not a failure.
        }

        return TypedResults.Empty;
    }
}
