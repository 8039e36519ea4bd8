using Azure;
using Azure.Data.Tables;
using FunctionsDashboard.Storage;

namespace FunctionsDashboard.Diagnostics;

/// <summary>
/// <c>storage</c>: writes, reads back and deletes a probe row in table <see cref="DiagnosticsActivity.TableName"/>, one
/// try each (no SDK retries), so "reachable" means reachable now.
/// </summary>
public sealed class StorageCheck(DashboardStorage storage) : IDiagnosticCheck
{
    /// <summary>The check's name.</summary>
    public const string CheckName = "storage";

    private const string Hint =
        "Check AzureWebJobsStorage (a connection string, or __accountName/__tableServiceUri with __credential=managedidentity and __clientId): " +
        "the account must be reachable from the app (network rules, private endpoints) and the identity needs Storage Table Data Contributor.";

    /// <inheritdoc />
    public string Name => CheckName;

    /// <inheritdoc />
    public async Task<DiagnosticCheckResult> RunAsync(DiagnosticsContext context, CancellationToken cancellationToken)
    {
        var table = storage.SingleTryTable(DiagnosticsActivity.TableName);
        var probe = new TableEntity("probe", Guid.NewGuid().ToString("N")) { ["Value"] = "self-check" };
        string step = "write";
        try
        {
            await table.AddEntityAsync(probe, cancellationToken);
            step = "read";
            var read = await table.GetEntityIfExistsAsync<TableEntity>(probe.PartitionKey, probe.RowKey, cancellationToken: cancellationToken);
            if (!read.HasValue || read.Value!.GetString("Value") != "self-check")
            {
                return DiagnosticCheckResult.Fail(CheckName, $"The probe row written to table {storage.Name(DiagnosticsActivity.TableName)} could not be read back.", Hint);
            }

            step = "delete";
            await table.DeleteEntityAsync(probe.PartitionKey, probe.RowKey, ETag.All, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 404 && step == "write")
        {
            return DiagnosticCheckResult.Fail(CheckName, $"Table {storage.Name(DiagnosticsActivity.TableName)} does not exist: the app has not finished provisioning storage.",
                "Wait for /api/health to report ready; if it never does, its reason names the storage problem.");
        }
        catch (Exception e) when (e is RequestFailedException or HttpRequestException or AggregateException)
        {
            return DiagnosticCheckResult.Fail(CheckName, $"The probe {step} failed: {DiagnosticsActivity.Describe(e)}.", Hint);
        }

        return DiagnosticCheckResult.Ok(CheckName, $"Wrote, read and deleted a probe row in table {storage.Name(DiagnosticsActivity.TableName)}.");
    }
}
