using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Relay;

/// <summary>
/// The rules of <see cref="RelayOptions"/> that span settings. Each failure names the settings as written in configuration
/// (<c>Relay:X</c>, app setting <c>Relay__X</c>) and their values.
/// </summary>
internal sealed class RelayOptionsCrossFieldValidator : IValidateOptions<RelayOptions>
{
    public ValidateOptionsResult Validate(string? name, RelayOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.WebhookSecret) && !options.AllowUnauthenticated)
        {
            failures.Add($"{Setting(nameof(options.WebhookSecret))} is empty: set the shared secret Event Grid presents (app setting {RelayOptions.SectionName}__{nameof(options.WebhookSecret)}), " +
                $"or set {Setting(nameof(options.AllowUnauthenticated))}=true to accept unauthenticated webhook calls.");
        }

        if (options.PendingGrace < options.AckTimeout)
        {
            failures.Add($"{Setting(nameof(options.PendingGrace))} ({options.PendingGrace}) must be at least {Setting(nameof(options.AckTimeout))} ({options.AckTimeout}): " +
                "a range younger than that may still be handed off by the request that wrote it.");
        }

        var delivery = options.Delivery;
        if (delivery.MaxDelay < delivery.BaseDelay)
        {
            failures.Add($"{Setting($"{nameof(options.Delivery)}:{nameof(delivery.MaxDelay)}")} ({delivery.MaxDelay}) must be at least {Setting($"{nameof(options.Delivery)}:{nameof(delivery.BaseDelay)}")} ({delivery.BaseDelay}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static string Setting(string property) => $"{RelayOptions.SectionName}:{property}";
}
