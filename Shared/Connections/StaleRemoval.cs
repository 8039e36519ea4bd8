namespace FunctionsDashboard.Connections;

/// <summary>A candidate and what <see cref="StaleConnectionScanner.RemoveStaleAsync"/> did with it.</summary>
/// <param name="Candidate">The candidate.</param>
/// <param name="Disposition">The outcome.</param>
public sealed record StaleRemoval(StaleCandidate Candidate, StaleDisposition Disposition);
