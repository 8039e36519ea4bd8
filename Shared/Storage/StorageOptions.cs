using System.ComponentModel.DataAnnotations;

namespace FunctionsDashboard.Storage;

/// <summary>
/// Where the app keeps its tables, queues and blobs: the Functions host's own <c>AzureWebJobsStorage</c> account.
/// Either a connection string (<c>UseDevelopmentStorage=true</c> for Azurite) or the identity-based form
/// (<c>AzureWebJobsStorage__accountName</c> or <c>__tableServiceUri</c>/<c>__queueServiceUri</c>/<c>__blobServiceUri</c>,
/// with <c>__credential=managedidentity</c> and <c>__clientId</c> for a user-assigned identity).
/// </summary>
public sealed class StorageOptions
{
    /// <summary>The app setting (and configuration section) the storage account is read from.</summary>
    public const string ConnectionName = "AzureWebJobsStorage";

    /// <summary>A storage connection string, when the key-based form is used.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Table service endpoint, identity-based form.</summary>
    public Uri? TableServiceUri { get; set; }

    /// <summary>Queue service endpoint, identity-based form.</summary>
    public Uri? QueueServiceUri { get; set; }

    /// <summary>Blob service endpoint, identity-based form.</summary>
    public Uri? BlobServiceUri { get; set; }

    /// <summary><c>managedidentity</c> to use a managed identity; otherwise the default Azure credential chain.</summary>
    public string? Credential { get; set; }

    /// <summary>Client id of a user-assigned managed identity.</summary>
    public string? ClientId { get; set; }

    /// <summary>
    /// Prefix for every table, queue and container name (setting <c>Storage__Prefix</c>; lowercase letters and digits,
    /// starting with a letter, at most 16). Empty by default. Lets tests and side-by-side local runs share one Azurite;
    /// leave it empty under the Functions host, whose queue triggers listen on the plain queue names.
    /// </summary>
    [RegularExpression("^[a-z][a-z0-9]{0,15}$", ErrorMessage = "Storage:Prefix must be at most 16 lowercase letters and digits, starting with a letter (app setting Storage__Prefix).")]
    public string Prefix { get; set; } = "";

    /// <summary>True when the identity-based form is configured.</summary>
    public bool UsesIdentity => string.IsNullOrWhiteSpace(ConnectionString) && TableServiceUri is not null;
}
