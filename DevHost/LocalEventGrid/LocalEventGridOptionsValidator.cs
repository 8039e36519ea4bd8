using Microsoft.Extensions.Options;

namespace FunctionsDashboard.DevHost.LocalEventGrid;

/// <summary>Validates <see cref="LocalEventGridOptions"/> at startup, naming each bad setting.</summary>
internal sealed class LocalEventGridOptionsValidator : IValidateOptions<LocalEventGridOptions>
{
    public ValidateOptionsResult Validate(string? name, LocalEventGridOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.TopicKey))
        {
            failures.Add("LocalEventGrid:TopicKey must not be empty.");
        }

        if (!string.IsNullOrWhiteSpace(options.DeliveryUrl) && !Uri.TryCreate(options.DeliveryUrl, UriKind.Absolute, out _))
        {
            failures.Add($"LocalEventGrid:DeliveryUrl ('{options.DeliveryUrl}') must be an absolute URL.");
        }

        Check(failures, "MaxEventsPerBatch", options.MaxEventsPerBatch is >= 1 and <= 5000, options.MaxEventsPerBatch, "1 to 5000");
        Check(failures, "PreferredBatchSizeInKilobytes", options.PreferredBatchSizeInKilobytes is >= 1 and <= 1024, options.PreferredBatchSizeInKilobytes, "1 to 1024");
        Check(failures, "MaxDeliveryAttempts", options.MaxDeliveryAttempts is >= 1 and <= 30, options.MaxDeliveryAttempts, "1 to 30");
        Check(failures, "EventTimeToLive", options.EventTimeToLive >= TimeSpan.FromMinutes(1) && options.EventTimeToLive <= TimeSpan.FromMinutes(1440), options.EventTimeToLive, "00:01:00 to 1.00:00:00");
        Check(failures, "ResponseTimeout", options.ResponseTimeout >= TimeSpan.FromSeconds(1) && options.ResponseTimeout <= TimeSpan.FromMinutes(5), options.ResponseTimeout, "00:00:01 to 00:05:00");
        Check(failures, "TimeScale", options.TimeScale is > 0 and <= 1, options.TimeScale, "above 0, at most 1");
        Check(failures, "MaxConcurrentDeliveries", options.MaxConcurrentDeliveries is >= 1 and <= 256, options.MaxConcurrentDeliveries, "1 to 256");
        Check(failures, "Faults:AckLossRate", options.Faults.AckLossRate is >= 0 and <= 1, options.Faults.AckLossRate, "0 to 1");
        Check(failures, "Faults:DeliveryFailureRate", options.Faults.DeliveryFailureRate is >= 0 and <= 1, options.Faults.DeliveryFailureRate, "0 to 1");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Check(List<string> failures, string setting, bool ok, object value, string range)
    {
        if (!ok)
        {
            failures.Add($"LocalEventGrid:{setting} ({value}) must be {range} (app setting LocalEventGrid__{setting.Replace(":", "__", StringComparison.Ordinal)}).");
        }
    }
}
