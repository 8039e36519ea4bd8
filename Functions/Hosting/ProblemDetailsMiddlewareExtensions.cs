using FunctionsDashboard.Hardening;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FunctionsDashboard.Functions.Hosting;

/// <summary>Registers <see cref="ProblemDetailsMiddleware"/>.</summary>
public static class ProblemDetailsMiddlewareExtensions
{
    /// <summary>Adds the error-to-problem+json middleware to the worker pipeline.</summary>
    public static IFunctionsWorkerApplicationBuilder UseProblemDetailsForUnhandledExceptions(this IFunctionsWorkerApplicationBuilder builder) =>
        builder.UseMiddleware<ProblemDetailsMiddleware>();
}
