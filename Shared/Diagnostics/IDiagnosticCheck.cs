namespace FunctionsDashboard.Diagnostics;

/// <summary>
/// One deep self-check of <c>GET /api/diagnostics</c>. <see cref="SelfCheck"/> runs every registered check at once, each
/// within <see cref="DiagnosticsOptions.CheckTimeout"/>; a check that throws or runs out of time is reported as failed.
/// </summary>
public interface IDiagnosticCheck
{
    /// <summary>The check's stable name, as reported.</summary>
    string Name { get; }

    /// <summary>Runs the check; <paramref name="cancellationToken"/> fires when its time is up.</summary>
    Task<DiagnosticCheckResult> RunAsync(DiagnosticsContext context, CancellationToken cancellationToken);
}
