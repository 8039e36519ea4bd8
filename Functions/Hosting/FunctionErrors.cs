using FunctionsDashboard.Hardening;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FunctionsDashboard.Functions.Hosting;

/// <summary>
/// The one rule for what becomes of an HTTP function's run, in both hosts: the worker's <see cref="ProblemDetailsMiddleware"/>
/// and DevHost's function endpoints call <see cref="RunAsync{TState}"/> and nothing else, so they cannot drift.
/// <list type="bullet">
/// <item>An exception that escapes the function before its response started is logged under a correlation id and
/// answered 500 <c>application/problem+json</c> that carries only that id (<see cref="Problems.Unhandled"/>).</item>
/// <item>After the response started, the exception goes on to the host (the run failed; the connection is cut).</item>
/// <item>Cancellation because the caller went away is no failure: nothing is answered, nothing is logged.</item>
/// <item>A result that is a bare error status becomes the problem of that status (<see cref="Problems.ForBareStatusResult"/>);
/// any other result is answered as it is.</item>
/// </list>
/// </summary>
public static partial class FunctionErrors
{
    /// <summary>Runs one invocation of <paramref name="functionName"/> under the rule above.</summary>
    /// <param name="http">The request.</param>
    /// <param name="functionName">The function's name (logged, bounded).</param>
    /// <param name="invocationId">The host's id of this run: the correlation id when there is no trace id.</param>
    /// <param name="logger">Where a failure is logged.</param>
    /// <param name="state">Passed to <paramref name="invoke"/> (no closure per request).</param>
    /// <param name="invoke">Runs the function and returns its result (null for none).</param>
    /// <returns>The result to answer with, or <see cref="FunctionOutcome.Answered"/>.</returns>
    public static async ValueTask<FunctionOutcome> RunAsync<TState>(
        HttpContext http, string functionName, string invocationId, ILogger logger, TState state, Func<TState, ValueTask<object?>> invoke)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(invoke);
        object? result;
        try
        {
            result = await invoke(state);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            return FunctionOutcome.Answered; // the caller went away: control flow, nobody to answer
        }
        catch (Exception exception) when (!http.Response.HasStarted)
        {
            var correlationId = Problems.CorrelationId(invocationId);
            Log.Unhandled(logger, LogValue.Bounded(functionName), correlationId, exception);
            http.Response.Clear();
            await Problems.Unhandled(correlationId).ExecuteAsync(http);
            return FunctionOutcome.Answered;
        }

        return new FunctionOutcome(false, Problems.ForBareStatusResult(result, http.Request.Method) ?? result);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2001, EventName = "FunctionFailed", Level = LogLevel.Error, Message = "Function {Function} failed; correlation id {CorrelationId}")]
        public static partial void Unhandled(ILogger logger, string function, string correlationId, Exception exception);
    }
}
