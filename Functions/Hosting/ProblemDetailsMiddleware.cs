using FunctionsDashboard.Hardening;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FunctionsDashboard.Functions.Hosting;

/// <summary>
/// The worker's error middleware (it has no ProblemDetails middleware of its own): an exception that escapes an HTTP
/// function becomes a 500 <c>application/problem+json</c> that carries only a correlation id (the exception is logged
/// under it), and a function result that is a bare error status (<c>TypedResults.StatusCode(415)</c>, <c>NotFound()</c>)
/// becomes the problem+json of that status. DevHost answers the same through <see cref="Problems"/>.
/// Routing's 404 and 405 under the Functions host are the host's, not the app's.
/// </summary>
internal sealed partial class ProblemDetailsMiddleware(ILogger<ProblemDetailsMiddleware> logger) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (Exception exception) when (context.GetHttpContext() is { } http && !http.Response.HasStarted)
        {
            if (exception is OperationCanceledException && http.RequestAborted.IsCancellationRequested)
            {
                return; // the caller went away: control flow, nobody to answer
            }

            var correlationId = Problems.CorrelationId(context.InvocationId);
            Log.Unhandled(logger, LogValue.Bounded(context.FunctionDefinition.Name), correlationId, exception);
            await Problems.Unhandled(correlationId).ExecuteAsync(http);
            return;
        }

        if (context.GetHttpContext() is { } httpContext
            && context.GetInvocationResult() is { } result
            && Problems.ForBareStatusResult(result.Value, httpContext.Request.Method) is { } problem)
        {
            result.Value = problem;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2001, EventName = "FunctionFailed", Level = LogLevel.Error, Message = "Function {Function} failed; correlation id {CorrelationId}")]
        public static partial void Unhandled(ILogger logger, string function, string correlationId, Exception exception);
    }
}
