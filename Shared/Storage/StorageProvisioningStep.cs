using FunctionsDashboard.Health;
using Microsoft.Extensions.Logging;

namespace FunctionsDashboard.Storage;

/// <summary>A table, queue or blob container the app needs (by base name, before the prefix); created at startup when missing.</summary>
/// <param name="Kind">Which service.</param>
/// <param name="Name">Its name.</param>
public sealed record StorageResource(StorageResourceKind Kind, string Name);

/// <summary>The storage services a <see cref="StorageResource"/> lives in.</summary>
public enum StorageResourceKind
{
    /// <summary>A table.</summary>
    Table,

    /// <summary>A queue.</summary>
    Queue,

    /// <summary>A blob container.</summary>
    BlobContainer,
}

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
