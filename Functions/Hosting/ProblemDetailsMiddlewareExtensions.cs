using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Hosting;

namespace FunctionsDashboard.Functions.Hosting;

/// <summary>Registers <see cref="ProblemDetailsMiddleware"/>.</summary>
public static class ProblemDetailsMiddlewareExtensions
{
    /// <summary>Adds the error-to-problem+json middleware to the worker pipeline.</summary>
    public static IFunctionsWorkerApplicationBuilder UseProblemDetailsForUnhandledExceptions(this IFunctionsWorkerApplicationBuilder builder) =>
        builder.UseMiddleware<ProblemDetailsMiddleware>();
}
