namespace FunctionsDashboard.Relay;

/// <summary>The durable hand-off of a committed range to the delivery side (a Storage queue message in production).</summary>
public interface IRelayHandOff
{
    /// <summary>Makes <paramref name="message"/> durable for the delivery function; throws when it could not.</summary>
    Task HandOffAsync(RelayDeliveryMessage message, CancellationToken cancellationToken);
}
