using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FunctionsDashboard.Functions.Hosting;

/// <summary>
/// Builds the app's <c>application/problem+json</c> answers, so both hosts (Functions and DevHost) answer errors alike.
/// </summary>
public static class Problems
{
    /// <summary>The problem for an exception nobody handled. Detail (the exception message) only when asked for.</summary>
    public static ProblemHttpResult Unhandled(Exception exception, bool includeDetail, string? traceId) =>
        TypedResults.Problem(
            title: "An unexpected error occurred.",
            detail: includeDetail ? exception.Message : "The error was logged; see the trace id.",
            statusCode: StatusCodes.Status500InternalServerError,
            extensions: traceId is null ? null : new Dictionary<string, object?> { ["traceId"] = traceId });

    /// <summary>503 with <c>Retry-After</c>: the app is up but cannot serve this yet.</summary>
    public static ProblemHttpResult NotReady(HttpResponse response, string reason, TimeSpan retryAfter, IDictionary<string, object?>? extensions = null)
    {
        response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Problem(
            title: "Not ready",
            detail: reason,
            statusCode: StatusCodes.Status503ServiceUnavailable,
            extensions: extensions);
    }
}
