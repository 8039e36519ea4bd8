namespace FunctionsDashboard.Relay;

/// <summary>What <see cref="RelayDelivery.DeliverAsync"/> did with one message.</summary>
/// <param name="Delivered">Events delivered by this call.</param>
/// <param name="DeadLettered">Events dead-lettered by this call.</param>
/// <param name="Skipped">Events already settled (delivered or dead-lettered by an earlier try of the message).</param>
/// <param name="Continued">True when the budget ran out and the rest was handed off as a new message.</param>
public sealed record DeliveryOutcome(int Delivered, int DeadLettered, int Skipped, bool Continued);
