using FunctionsDashboard.Storage;

namespace FunctionsDashboard.Relay;

/// <summary>
/// Hands ranges off on the Storage queue <see cref="RelayStorageNames.DeliveryQueue"/> (Base64 messages, the Functions
/// queue trigger's default). One try per call: the relay's write pipeline owns retries and the time budget.
/// </summary>
internal sealed class QueueRelayHandOff(DashboardStorage storage) : IRelayHandOff
{
    private readonly Azure.Storage.Queues.QueueClient _queue = storage.SingleTryQueue(RelayStorageNames.DeliveryQueue);

    public async Task HandOffAsync(RelayDeliveryMessage message, CancellationToken cancellationToken) =>
        await _queue.SendMessageAsync(message.ToJson(), cancellationToken);
}
