using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;

namespace FunctionsDashboard.Functions.Hosting;

/// <summary>
/// Builds the app's <c>application/problem+json</c> answers, so both hosts (Functions and DevHost) answer errors alike:
/// the worker's <see cref="ProblemDetailsMiddleware"/> and DevHost's function endpoints call the same methods here.
/// </summary>
public static class Problems
{
    /// <summary>Problem type of an answer for a bare status (routing's 404/405, a 415, a status result without a body).</summary>
    public const string StatusProblemType = "urn:functionsdashboard:status";

    /// <summary>The extension member that carries the correlation id of a logged error.</summary>
    public const string CorrelationIdMember = "correlationId";

    /// <summary>
    /// The problem for an exception nobody handled: never the exception's text (which can hold paths, keys or input),
    /// only the <paramref name="correlationId"/> under which it was logged.
    /// </summary>
    public static ProblemHttpResult Unhandled(string correlationId) =>
        TypedResults.Problem(
            title: "An unexpected error occurred.",
            detail: $"The error was logged with correlation id {correlationId}.",
            statusCode: StatusCodes.Status500InternalServerError,
            extensions: new Dictionary<string, object?> { [CorrelationIdMember] = correlationId });

    /// <summary>The id an error is logged under and answered with: the W3C trace id when there is one, else <paramref name="fallback"/>, else a new one.</summary>
    public static string CorrelationId(string? fallback = null) =>
        Activity.Current is { } activity && activity.TraceId != default
            ? activity.TraceId.ToHexString()
            : string.IsNullOrEmpty(fallback) ? Guid.NewGuid().ToString("N") : fallback;

    /// <summary>The problem for a bare error status (no body of its own): routing's 404 and 405, a 415, and the like.</summary>
    public static ProblemHttpResult ForStatus(int statusCode, string method, string? allow = null) =>
        TypedResults.Problem(
            type: StatusProblemType,
            title: ReasonPhrases.GetReasonPhrase(statusCode) is { Length: > 0 } phrase ? phrase : "Error",
            detail: statusCode switch
            {
                StatusCodes.Status404NotFound => "Nothing is mapped at this path.",
                StatusCodes.Status405MethodNotAllowed => allow is { Length: > 0 } ? $"{Bounded(method)} is not allowed here; allowed: {allow}." : $"{Bounded(method)} is not allowed here.",
                StatusCodes.Status415UnsupportedMediaType => "The request's content type is not supported here.",
                _ => null,
            },
            statusCode: statusCode);

    /// <summary>
    /// The problem to answer instead of a function result that is a bare error status (<c>TypedResults.StatusCode(415)</c>,
    /// <c>NotFound()</c>: a status of 400 or more, no body, no content type); null for any other result.
    /// </summary>
    public static ProblemHttpResult? ForBareStatusResult(object? result, string method) =>
        result is IStatusCodeHttpResult { StatusCode: >= 400 and var status } and not ProblemHttpResult and not IValueHttpResult and not IContentTypeHttpResult
            ? ForStatus(status, method)
            : null;

    /// <summary>
    /// Writes <see cref="ForStatus"/> for a response that carries an error status but no body yet (status-code pages,
    /// or a function that returned a bare status). Does nothing once the response has started or has a content type.
    /// </summary>
    public static Task WriteStatusProblemAsync(HttpContext context)
    {
        var response = context.Response;
        if (response.HasStarted || response.StatusCode < 400 || !string.IsNullOrEmpty(response.ContentType))
        {
            return Task.CompletedTask;
        }

        return ForStatus(response.StatusCode, context.Request.Method, response.Headers.Allow.ToString()).ExecuteAsync(context);
    }

    /// <summary>503 with <c>Retry-After</c>: the app is up but cannot serve this yet.</summary>
    public static ProblemHttpResult NotReady(HttpResponse response, string reason, TimeSpan retryAfter, IDictionary<string, object?>? extensions = null)
    {
        response.Headers.RetryAfter = ((int)Math.Ceiling(Math.Max(1, retryAfter.TotalSeconds))).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Problem(
            title: "Not ready",
            detail: reason,
            statusCode: StatusCodes.Status503ServiceUnavailable,
            extensions: extensions);
    }

    private static string Bounded(string method) => Hardening.LogValue.Bounded(method, 32);
}
