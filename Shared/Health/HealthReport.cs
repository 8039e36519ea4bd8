namespace FunctionsDashboard.Health;

/// <summary>The answer of <c>GET /api/health</c>.</summary>
/// <param name="Status"><c>ready</c> or <c>not-ready</c>.</param>
/// <param name="Live">Always true when the process answers at all.</param>
/// <param name="Ready">True when clients may connect.</param>
/// <param name="Reason">Why the app is not ready; null when ready.</param>
/// <param name="Checks">Each check with its outcome.</param>
/// <param name="CheckedAt">Server time of the check.</param>
public sealed record HealthReport(
    string Status,
    bool Live,
    bool Ready,
    string? Reason,
    IReadOnlyList<HealthCheckOutcome> Checks,
    DateTimeOffset CheckedAt);
