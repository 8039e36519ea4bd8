namespace FunctionsDashboard.Relay;

/// <summary>What a lease attempt found.</summary>
/// <param name="Held">Whether this instance holds the stream's lease now.</param>
/// <param name="Through">The durable watermark in the row (0 when there is none, or it is of another generation).</param>
internal readonly record struct LeaseState(bool Held, long Through);
