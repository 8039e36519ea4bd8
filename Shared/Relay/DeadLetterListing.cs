namespace FunctionsDashboard.Relay;

/// <summary>The answer of <c>GET /api/relay/deadletters</c>.</summary>
/// <param name="Count">Entries in this answer.</param>
/// <param name="Truncated">True when there are more than the limit asked for.</param>
/// <param name="Items">The entries.</param>
public sealed record DeadLetterListing(int Count, bool Truncated, IReadOnlyList<DeadLetterEntry> Items);
