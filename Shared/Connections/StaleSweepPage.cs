namespace FunctionsDashboard.Connections;

/// <summary>A page of <see cref="StaleConnectionScanner.SweepAsync"/>: what one page of stale rows came to.</summary>
/// <param name="Partition">The shard partition.</param>
/// <param name="Scanned">The rows read (last seen at or before the cutoff).</param>
/// <param name="Removals">What became of each (empty when the read failed).</param>
/// <param name="Error">Why the partition could not be read (after the registry's retries), or null.</param>
public sealed record StaleSweepPage(string Partition, int Scanned, IReadOnlyList<StaleRemoval> Removals, Exception? Error);
