using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Options;

/// <summary>
/// Validates <see cref="DashboardOptions"/> at startup. Each failure names the setting as it is written in configuration
/// (<c>Dashboard:X</c>, app setting <c>Dashboard__X</c>), its value and the allowed range.
/// </summary>
internal sealed class DashboardOptionsValidator : IValidateOptions<DashboardOptions>
{
    public ValidateOptionsResult Validate(string? name, DashboardOptions options)
    {
        var failures = new List<string>();
        InRange(failures, nameof(options.HeartbeatInterval), options.HeartbeatInterval, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10));
        InRange(failures, nameof(options.StaleTimeout), options.StaleTimeout, TimeSpan.FromSeconds(2), TimeSpan.FromHours(1));
        InRange(failures, nameof(options.ConnectionTimeout), options.ConnectionTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(2));

        // SignalR's rule (ClientTimeoutInterval = 2 × KeepAliveInterval): one lost heartbeat never makes a live client stale.
        if (options.HeartbeatInterval > TimeSpan.Zero && options.StaleTimeout < 2 * options.HeartbeatInterval)
        {
            failures.Add($"{Setting(nameof(options.StaleTimeout))} ({options.StaleTimeout}) must be at least 2 × {Setting(nameof(options.HeartbeatInterval))} ({options.HeartbeatInterval}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    internal static string Setting(string property) => $"{DashboardOptions.SectionName}:{property}";

    internal static void InRange(List<string> failures, string property, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            failures.Add($"{Setting(property)} ({value}) must be between {min} and {max} (app setting {DashboardOptions.SectionName}__{property}).");
        }
    }
}
