namespace FunctionsDashboard.Health;

/// <summary>One check of a <see cref="HealthReport"/>: an <c>IHealthCheck</c>'s result as <c>/api/health</c> shows it.</summary>
/// <param name="Name">What was checked.</param>
/// <param name="Ok">Whether it passed.</param>
/// <param name="Detail">What was seen.</param>
public sealed record HealthCheckOutcome(string Name, bool Ok, string Detail);
