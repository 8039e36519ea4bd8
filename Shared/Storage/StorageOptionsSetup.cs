using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Storage;

/// <summary>
/// Reads <c>AzureWebJobsStorage</c> the way the Functions host does: a plain value is a connection string,
/// a section holds the identity-based settings.
/// </summary>
internal sealed class StorageOptionsSetup(IConfiguration configuration) : IConfigureOptions<StorageOptions>
{
    public void Configure(StorageOptions options)
    {
        options.Prefix = configuration["Storage:Prefix"] ?? "";
        var section = configuration.GetSection(StorageOptions.ConnectionName);
        if (!string.IsNullOrWhiteSpace(section.Value))
        {
            options.ConnectionString = section.Value;
            return;
        }

        var accountName = section["accountName"];
        options.TableServiceUri = Uri(section["tableServiceUri"]) ?? AccountUri(accountName, "table");
        options.QueueServiceUri = Uri(section["queueServiceUri"]) ?? AccountUri(accountName, "queue");
        options.BlobServiceUri = Uri(section["blobServiceUri"] ?? section["serviceUri"]) ?? AccountUri(accountName, "blob");
        options.Credential = section["credential"];
        options.ClientId = section["clientId"];
    }

    private static Uri? Uri(string? value) =>
        System.Uri.TryCreate(value, UriKind.Absolute, out var uri) ? uri : null;

    private static Uri? AccountUri(string? accountName, string service) =>
        string.IsNullOrWhiteSpace(accountName) ? null : new Uri($"https://{accountName}.{service}.core.windows.net");
}
