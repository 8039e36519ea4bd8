namespace FunctionsDashboard.Connections;

/// <summary>A page of <see cref="StaleConnectionScanner.FindStaleAsync"/>: stale rows of one partition, or the error that stopped its read.</summary>
/// <param name="Partition">The shard partition.</param>
/// <param name="Candidates">Its rows last seen at or before the cutoff (up to 1,000).</param>
/// <param name="Error">Why the partition could not be read (after the registry's retries), or null.</param>
public sealed record StalePage(string Partition, IReadOnlyList<StaleCandidate> Candidates, Exception? Error);
