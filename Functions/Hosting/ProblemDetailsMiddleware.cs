using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FunctionsDashboard.Functions.Hosting;

/// <summary>
/// Turns an exception that escapes an HTTP function into a 500 <c>application/problem+json</c> answer
/// (the worker has no ProblemDetails middleware of its own). Exception text only in Development.
/// </summary>
internal sealed partial class ProblemDetailsMiddleware(IHostEnvironment environment, ILogger<ProblemDetailsMiddleware> logger) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (Exception exception) when (context.GetHttpContext() is { } http && !http.Response.HasStarted)
        {
            Log.Unhandled(logger, context.FunctionDefinition.Name, exception);
            var result = Problems.Unhandled(exception, environment.IsDevelopment(), context.InvocationId);
            await result.ExecuteAsync(http);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2001, EventName = "FunctionFailed", Level = LogLevel.Error, Message = "Function {Function} failed")]
        public static partial void Unhandled(ILogger logger, string function, Exception exception);
    }
}

/// <summary>Registers <see cref="ProblemDetailsMiddleware"/>.</summary>
public static class ProblemDetailsMiddlewareExtensions
{
    /// <summary>Adds the unhandled-exception-to-problem+json middleware to the worker pipeline.</summary>
    public static IFunctionsWorkerApplicationBuilder UseProblemDetailsForUnhandledExceptions(this IFunctionsWorkerApplicationBuilder builder) =>
        builder.UseMiddleware<ProblemDetailsMiddleware>();
}
