namespace FunctionsDashboard.Relay;

/// <summary>What <see cref="RelayDelivery.DeliverAsync"/> did with one message.</summary>
/// <param name="SettledThrough">The stream's delivered watermark when the call returned (every seq up to it is settled).</param>
/// <param name="AlreadySettled">True when the range was settled before the message arrived (the fast path did it): nothing to do.</param>
/// <param name="Continued">True when the budget ran out and the unsettled rest was handed off as a new message.</param>
public sealed record DeliveryOutcome(long SettledThrough, bool AlreadySettled, bool Continued);
