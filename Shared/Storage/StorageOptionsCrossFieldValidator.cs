using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Storage;

/// <summary>Fails startup with a clear message when no usable storage account is configured (either form, all its parts).</summary>
internal sealed class StorageOptionsCrossFieldValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
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
