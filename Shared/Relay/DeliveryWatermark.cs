namespace FunctionsDashboard.Relay;

/// <summary>Where delivery of one stream stands: every seq up to <paramref name="Through"/> is delivered or dead-lettered.</summary>
/// <param name="Through">The delivered watermark (0: nothing yet).</param>
/// <param name="Generation">The log generation the seqs belong to.</param>
internal sealed record DeliveryWatermark(long Through, string Generation);
