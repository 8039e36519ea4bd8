using FunctionsDashboard.Relay;
using FunctionsDashboard.Storage;
using Microsoft.Azure.Functions.Worker;

namespace FunctionsDashboard.Functions.Relay;

/// <summary>
/// Queue <c>relay-delivery</c>: pushes one committed range of the event log to every dashboard through the SignalR
/// Service, with retries, per-event progress and dead-lettering (see <see cref="RelayDelivery"/>). It throws only when
/// storage fails; the queue then retries the message (host.json <c>maxDequeueCount</c>) and the poison path takes over
/// after the last try (<see cref="RelayDeliveryPoisonFunction"/>).
/// </summary>
public sealed class RelayDeliveryFunction(RelayDelivery delivery)
{
    /// <summary>The function name (app settings such as <c>AzureWebJobs.RelayDelivery.Disabled</c> use it).</summary>
    public const string Name = "RelayDelivery";

    /// <summary>Delivers the range of one message.</summary>
    [Function(Name)]
    public Task Run(
        [QueueTrigger(RelayStorageNames.DeliveryQueue, Connection = StorageOptions.ConnectionName)] string message,
        CancellationToken cancellationToken) =>
        delivery.DeliverAsync(message, cancellationToken);
}
