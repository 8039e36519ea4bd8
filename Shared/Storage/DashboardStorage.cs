using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using FunctionsDashboard.Options;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Storage;

/// <summary>
/// The storage clients of the app, built once from <see cref="StorageOptions"/>. Every client has a per-try network
/// timeout of <see cref="DashboardOptions.ConnectionTimeout"/> and the SDK's exponential retry.
/// </summary>
public sealed class DashboardStorage
{
    /// <summary>Queue messages are Base64, as the Functions queue trigger expects by default.</summary>
    public const QueueMessageEncoding MessageEncoding = QueueMessageEncoding.Base64;

    private readonly TableServiceClient _singleTryTables;
    private readonly QueueServiceClient _singleTryQueues;
    private readonly BlobServiceClient _singleTryBlobs;
    private readonly string _prefix;

    /// <summary>Creates the clients.</summary>
    public DashboardStorage(IOptions<StorageOptions> storageOptions, IOptions<DashboardOptions> dashboardOptions)
    {
        var options = storageOptions.Value;
        _prefix = options.Prefix;
        var timeout = dashboardOptions.Value.ConnectionTimeout;

        Tables = CreateTables(options, Configure(new TableClientOptions(), timeout, maxRetries: 3));
        Queues = CreateQueues(options, Configure(new QueueClientOptions { MessageEncoding = MessageEncoding }, timeout, maxRetries: 3));
        Blobs = CreateBlobs(options, Configure(new BlobClientOptions(), timeout, maxRetries: 3));

        // Health probes answer now or never, and callers with their own Polly pipeline must not have retries multiplied:
        // these clients try once.
        _singleTryTables = CreateTables(options, Configure(new TableClientOptions(), timeout, maxRetries: 0));
        _singleTryQueues = CreateQueues(options, Configure(new QueueClientOptions { MessageEncoding = MessageEncoding }, timeout, maxRetries: 0));
        _singleTryBlobs = CreateBlobs(options, Configure(new BlobClientOptions(), timeout, maxRetries: 0));
    }

    /// <summary>The table service.</summary>
    public TableServiceClient Tables { get; }

    /// <summary>The queue service.</summary>
    public QueueServiceClient Queues { get; }

    /// <summary>The blob service.</summary>
    public BlobServiceClient Blobs { get; }

    /// <summary>The real name of a table, queue or container: the base name with <see cref="StorageOptions.Prefix"/>.</summary>
    public string Name(string baseName) => _prefix + baseName;

    /// <summary>The client of a table, by base name.</summary>
    public TableClient Table(string baseName) => Tables.GetTableClient(Name(baseName));

    /// <summary>The client of a queue, by base name.</summary>
    public QueueClient Queue(string baseName) => Queues.GetQueueClient(Name(baseName));

    /// <summary>The client of a blob container, by base name.</summary>
    public BlobContainerClient Container(string baseName) => Blobs.GetBlobContainerClient(Name(baseName));

    /// <summary>A table client that tries once (no SDK retries), for callers whose Polly pipeline owns retries and timeouts.</summary>
    public TableClient SingleTryTable(string baseName) => _singleTryTables.GetTableClient(Name(baseName));

    /// <summary>A queue client that tries once (no SDK retries), for callers whose Polly pipeline owns retries and timeouts.</summary>
    public QueueClient SingleTryQueue(string baseName) => _singleTryQueues.GetQueueClient(Name(baseName));

    /// <summary>A blob container client that tries once (no SDK retries), for callers whose Polly pipeline owns retries and timeouts.</summary>
    public BlobContainerClient SingleTryContainer(string baseName) => _singleTryBlobs.GetBlobContainerClient(Name(baseName));

    /// <summary>Proves the table service answers (one request, no retries). Throws when it does not.</summary>
    public async Task ProbeAsync(CancellationToken cancellationToken)
    {
        await foreach (var _ in _singleTryTables.QueryAsync(maxPerPage: 1, cancellationToken: cancellationToken).AsPages(pageSizeHint: 1).WithCancellation(cancellationToken))
        {
            break;
        }
    }

    private static T Configure<T>(T clientOptions, TimeSpan timeout, int maxRetries)
        where T : ClientOptions
    {
        clientOptions.Retry.MaxRetries = maxRetries;
        clientOptions.Retry.Mode = RetryMode.Exponential;
        clientOptions.Retry.Delay = TimeSpan.FromMilliseconds(400);
        clientOptions.Retry.MaxDelay = TimeSpan.FromSeconds(5);
        clientOptions.Retry.NetworkTimeout = timeout;
        return clientOptions;
    }

    private static TokenCredential Credential(StorageOptions options) =>
        string.Equals(options.Credential, "managedidentity", StringComparison.OrdinalIgnoreCase)
            ? new ManagedIdentityCredential(string.IsNullOrWhiteSpace(options.ClientId)
                ? ManagedIdentityId.SystemAssigned
                : ManagedIdentityId.FromUserAssignedClientId(options.ClientId))
            : new DefaultAzureCredential();

    private static TableServiceClient CreateTables(StorageOptions options, TableClientOptions clientOptions) =>
        options.UsesIdentity
            ? new TableServiceClient(options.TableServiceUri!, Credential(options), clientOptions)
            : new TableServiceClient(options.ConnectionString, clientOptions);

    private static QueueServiceClient CreateQueues(StorageOptions options, QueueClientOptions clientOptions) =>
        options.UsesIdentity
            ? new QueueServiceClient(options.QueueServiceUri!, Credential(options), clientOptions)
            : new QueueServiceClient(options.ConnectionString, clientOptions);

    private static BlobServiceClient CreateBlobs(StorageOptions options, BlobClientOptions clientOptions) =>
        options.UsesIdentity
            ? new BlobServiceClient(options.BlobServiceUri!, Credential(options), clientOptions)
            : new BlobServiceClient(options.ConnectionString, clientOptions);
}
