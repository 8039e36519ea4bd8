using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Diagnostics;

/// <summary>
/// Runs every <see cref="IDiagnosticCheck"/> at once, each bounded by <see cref="DiagnosticsOptions.CheckTimeout"/>, and
/// reports them in registration order. A check that throws is a <c>fail</c> naming the exception's type only (an
/// exception's text can carry URLs, keys or input); one that runs out of time is a <c>fail</c> that says so.
/// </summary>
public sealed partial class SelfCheck(
    IEnumerable<IDiagnosticCheck> checks,
    IOptions<DiagnosticsOptions> options,
    TimeProvider timeProvider,
    ILogger<SelfCheck> logger)
{
    private readonly IReadOnlyList<IDiagnosticCheck> _checks = [.. checks];

    /// <summary>Runs the checks.</summary>
    public async Task<DiagnosticsReport> RunAsync(DiagnosticsContext context, CancellationToken cancellationToken)
    {
        var results = await Task.WhenAll(_checks.Select(check => RunOneAsync(check, context, cancellationToken)));
        var worst = results.Length == 0 ? DiagnosticStatus.Ok : results.Max(r => r.Status);
        return new DiagnosticsReport(worst, timeProvider.GetUtcNow(), results);
    }

    private async Task<DiagnosticCheckResult> RunOneAsync(IDiagnosticCheck check, DiagnosticsContext context, CancellationToken cancellationToken)
    {
        var timeout = options.Value.CheckTimeout;
        using var budget = new CancellationTokenSource(timeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(budget.Token, cancellationToken);
        DiagnosticCheckResult result;
        try
        {
            // WaitAsync bounds a check that ignores its token, too (checks are asynchronous: they start their I/O and return).
            result = await check.RunAsync(context, linked.Token).WaitAsync(timeout, timeProvider, cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && (budget.IsCancellationRequested || e is TimeoutException))
        {
            result = DiagnosticCheckResult.Fail(check.Name, $"The check did not finish within {timeout} (Diagnostics:CheckTimeout).",
                "Whatever it talks to is slow or unreachable; see the check's section in docs/diagnostics.md.");
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.CheckFailed(logger, check.Name, e);
            result = DiagnosticCheckResult.Fail(check.Name, $"The check failed with {e.GetType().Name}; the error was logged.",
                "See the app's log (event DiagnosticsCheckFailed) and the check's section in docs/diagnostics.md.");
        }

        if (result.Status != DiagnosticStatus.Ok)
        {
            Log.CheckNotOk(logger, check.Name, result.Status);
        }

        return result;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3601, EventName = "DiagnosticsCheckFailed", Level = LogLevel.Warning, Message = "Self-check {Check} threw")]
        public static partial void CheckFailed(ILogger logger, string check, Exception exception);

        [LoggerMessage(EventId = 3602, EventName = "DiagnosticsCheckNotOk", Level = LogLevel.Information, Message = "Self-check {Check} reported {Status}")]
        public static partial void CheckNotOk(ILogger logger, string check, DiagnosticStatus status);
    }
}
