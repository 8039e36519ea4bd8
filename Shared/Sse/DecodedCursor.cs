namespace FunctionsDashboard.Sse;

/// <summary>A checked cursor.</summary>
/// <param name="SubscriptionHash">The subscription's 8-byte hash.</param>
/// <param name="CheckpointId">The checkpoint.</param>
/// <param name="Deltas">The streams where it differs from the checkpoint.</param>
public sealed record DecodedCursor(byte[] SubscriptionHash, string CheckpointId, IReadOnlyDictionary<string, StreamPosition> Deltas);
