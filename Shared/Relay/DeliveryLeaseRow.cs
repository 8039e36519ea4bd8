using Azure;

namespace FunctionsDashboard.Relay;

/// <summary>A stream's delivery row: the watermark and who may send the stream (see <see cref="RelayDeliveryLease"/>).</summary>
/// <param name="Through">The delivered watermark.</param>
/// <param name="Generation">The log generation the watermark belongs to.</param>
/// <param name="Owner">The instance holding the delivery lease; empty when released.</param>
/// <param name="LeaseUntil">When the lease ends unless renewed (the holder's clock).</param>
/// <param name="ETag">The row's ETag, for the next conditional write.</param>
internal sealed record DeliveryLeaseRow(long Through, string Generation, string Owner, DateTimeOffset LeaseUntil, ETag ETag);
