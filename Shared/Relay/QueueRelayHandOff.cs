using FunctionsDashboard.Storage;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Relay;

/// <summary>
/// Hands ranges off on the Storage queue <see cref="RelayStorageNames.DeliveryQueue"/> (Base64 messages, the Functions
/// queue trigger's default), invisible for <see cref="RelayDeliveryOptions.SafetyNetDelay"/> at first: the queue is the
/// safety net behind the commit listeners' fast path, so its copy arrives after the fast path has settled the range
/// (re-drive messages are visible at once).
/// One try per call: the relay's write pipeline owns retries and the time budget.
/// </summary>
internal sealed class QueueRelayHandOff(DashboardStorage storage, IOptions<RelayOptions> options) : IRelayHandOff
{
    private readonly Azure.Storage.Queues.QueueClient _queue = storage.SingleTryQueue(RelayStorageNames.DeliveryQueue);
    private readonly TimeSpan? _invisibleFor = options.Value.Delivery.SafetyNetDelay is { } delay && delay > TimeSpan.Zero ? delay : null;

    public async Task HandOffAsync(RelayDeliveryMessage message, CancellationToken cancellationToken) =>
        await _queue.SendMessageAsync(message.ToJson(), message.Redrive ? null : _invisibleFor, cancellationToken: cancellationToken); // a re-drive has no fast path to wait for
}
