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

/// <summary>Fails startup with a clear message when no usable storage account is configured.</summary>
internal sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        if (options.Prefix.Length > 16 || (options.Prefix.Length > 0 && !System.Text.RegularExpressions.Regex.IsMatch(options.Prefix, "^[a-z][a-z0-9]*$")))
        {
            return ValidateOptionsResult.Fail($"Storage:Prefix ('{options.Prefix}') must be at most 16 lowercase letters and digits, starting with a letter.");
        }

        if (!string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return ValidateOptionsResult.Success;
        }

        if (options.TableServiceUri is null || options.QueueServiceUri is null || options.BlobServiceUri is null)
        {
            return ValidateOptionsResult.Fail(
                "AzureWebJobsStorage is not set: give a connection string (UseDevelopmentStorage=true for Azurite) " +
                "or AzureWebJobsStorage__accountName (or __tableServiceUri, __queueServiceUri and __blobServiceUri) with a managed identity.");
        }

        return ValidateOptionsResult.Success;
    }
}
