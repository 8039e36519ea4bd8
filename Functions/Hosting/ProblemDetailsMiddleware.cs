using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;

namespace FunctionsDashboard.Functions.Hosting;

/// <summary>
/// The worker's error middleware (it has no ProblemDetails middleware of its own): the rule of <see cref="FunctionErrors"/>
/// applied to every HTTP function run. DevHost's function endpoints apply the same rule through the same method.
/// Routing's 404 and 405 under the Functions host are the host's, not the app's.
/// </summary>
internal sealed class ProblemDetailsMiddleware(ILogger<ProblemDetailsMiddleware> logger) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        if (context.GetHttpContext() is not { } http)
        {
            await next(context);
            return;
        }

        var outcome = await FunctionErrors.RunAsync(http, context.FunctionDefinition.Name, context.InvocationId, logger, (context, next), static async s =>
        {
            await s.next(s.context);
            return s.context.GetInvocationResult()?.Value;
        });
        if (!outcome.IsAnswered && context.GetInvocationResult() is { } result && !ReferenceEquals(result.Value, outcome.Result))
        {
            result.Value = outcome.Result;
        }
    }
}
