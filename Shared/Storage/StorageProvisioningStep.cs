using FunctionsDashboard.Health;
using Microsoft.Extensions.Logging;

namespace FunctionsDashboard.Storage;

/// <summary>Startup step: storage answers, and every registered <see cref="StorageResource"/> exists.</summary>
internal sealed partial class StorageProvisioningStep(
    DashboardStorage storage,
    IEnumerable<StorageResource> resources,
    ILogger<StorageProvisioningStep> logger) : IStartupStep
{
    public string Name => "storage";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await storage.ProbeAsync(cancellationToken);
        foreach (var resource in resources.Distinct())
        {
            switch (resource.Kind)
            {
                case StorageResourceKind.Table:
                    await storage.Table(resource.Name).CreateIfNotExistsAsync(cancellationToken);
                    break;
                case StorageResourceKind.Queue:
                    await storage.Queue(resource.Name).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
                    break;
                case StorageResourceKind.BlobContainer:
                    await storage.Container(resource.Name).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
                    break;
                default:
                    throw new InvalidOperationException($"Unknown storage resource kind {resource.Kind}.");
            }

            Log.Provisioned(logger, resource.Kind, resource.Name);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1101, EventName = "StorageResourceProvisioned", Level = LogLevel.Debug, Message = "{Kind} {Name} exists")]
        public static partial void Provisioned(ILogger logger, StorageResourceKind kind, string name);
    }
}
