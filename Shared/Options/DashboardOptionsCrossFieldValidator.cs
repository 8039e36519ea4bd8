using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Options;

/// <summary>The rule of <see cref="DashboardOptions"/> that spans two settings: the stale timeout covers two heartbeats.</summary>
internal sealed class DashboardOptionsCrossFieldValidator : IValidateOptions<DashboardOptions>
{
    public ValidateOptionsResult Validate(string? name, DashboardOptions options)
    {
        // SignalR's rule (ClientTimeoutInterval = 2 × KeepAliveInterval): one lost heartbeat never makes a live client stale.
        if (options.HeartbeatInterval > TimeSpan.Zero && options.StaleTimeout < 2 * options.HeartbeatInterval)
        {
            return ValidateOptionsResult.Fail(
                $"{Setting(nameof(options.StaleTimeout))} ({options.StaleTimeout}) must be at least 2 × {Setting(nameof(options.HeartbeatInterval))} ({options.HeartbeatInterval}).");
        }

        return ValidateOptionsResult.Success;
    }

    private static string Setting(string property) => $"{DashboardOptions.SectionName}:{property}";
}
