using Microsoft.Extensions.Options;

namespace FunctionsDashboard.DevHost.LocalSignalR;

/// <summary>
/// The rules of <see cref="LocalSignalROptions"/> beyond its DataAnnotations: the client timeout covers two keep-alives,
/// and the fault knobs at startup pass the same check as a runtime change (<see cref="LocalSignalRFaultSettings.Validate"/>).
/// </summary>
internal sealed class LocalSignalROptionsCrossFieldValidator : IValidateOptions<LocalSignalROptions>
{
    public ValidateOptionsResult Validate(string? name, LocalSignalROptions options)
    {
        var failures = new List<string>();

        // SignalR's own rule: one lost ping never closes a live client.
        if (options.ClientTimeoutInterval < 2 * options.KeepAliveInterval)
        {
            failures.Add($"{Setting(nameof(options.ClientTimeoutInterval))} ({options.ClientTimeoutInterval}) must be at least 2 × {Setting(nameof(options.KeepAliveInterval))} ({options.KeepAliveInterval}).");
        }

        failures.AddRange(options.Faults.Validate());
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static string Setting(string property) => $"{LocalSignalROptions.SectionName}:{property}";
}
