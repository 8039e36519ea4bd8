namespace FunctionsDashboard.Relay;

/// <summary>The result of sending one batch: every event of it is settled one way or the other.</summary>
/// <param name="Delivered">Seqs delivered.</param>
/// <param name="DeadLettered">Seqs dead-lettered (their entries are written).</param>
internal sealed record BatchResult(IReadOnlyList<long> Delivered, IReadOnlyList<long> DeadLettered);
