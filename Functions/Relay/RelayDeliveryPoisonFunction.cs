using FunctionsDashboard.Relay;
using FunctionsDashboard.Storage;
using Microsoft.Azure.Functions.Worker;

namespace FunctionsDashboard.Functions.Relay;

/// <summary>
/// Queue <c>relay-delivery-poison</c>, where the host moves a delivery message that failed <c>maxDequeueCount</c> times:
/// dead-letters every event of its range that is not delivered yet, with that reason, so nothing leaves the relay
/// unaccounted (see <see cref="RelayDelivery.DeadLetterPoisonedAsync"/>).
/// </summary>
public sealed class RelayDeliveryPoisonFunction(RelayDelivery delivery)
{
    /// <summary>The function name (app settings such as <c>AzureWebJobs.RelayDeliveryPoison.Disabled</c> use it).</summary>
    public const string Name = "RelayDeliveryPoison";

    /// <summary>Dead-letters the unsettled events of one poisoned message.</summary>
    [Function(Name)]
    public Task Run(
        [QueueTrigger(RelayStorageNames.DeliveryPoisonQueue, Connection = StorageOptions.ConnectionName)] string message,
        CancellationToken cancellationToken) =>
        delivery.DeadLetterPoisonedAsync(message, cancellationToken);
}
