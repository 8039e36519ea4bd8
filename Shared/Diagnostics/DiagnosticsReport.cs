namespace FunctionsDashboard.Diagnostics;

/// <summary>The answer of <c>GET /api/diagnostics</c>: every check, in a fixed order, and the worst verdict.</summary>
/// <param name="Status">The worst status of <paramref name="Checks"/>.</param>
/// <param name="CheckedAt">When the checks ran (the app's clock).</param>
/// <param name="Checks">One result per check.</param>
public sealed record DiagnosticsReport(DiagnosticStatus Status, DateTimeOffset CheckedAt, IReadOnlyList<DiagnosticCheckResult> Checks);
