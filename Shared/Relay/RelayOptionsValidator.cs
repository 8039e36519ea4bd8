using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Relay;

/// <summary>
/// Validates <see cref="RelayOptions"/> at startup. Each failure names the setting as written in configuration
/// (<c>Relay:X</c>, app setting <c>Relay__X</c>), its value and the allowed range.
/// </summary>
internal sealed class RelayOptionsValidator : IValidateOptions<RelayOptions>
{
    public ValidateOptionsResult Validate(string? name, RelayOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.WebhookSecret) && !options.AllowUnauthenticated)
        {
            failures.Add($"{Setting(nameof(options.WebhookSecret))} is empty: set the shared secret Event Grid presents (app setting {AppSetting(nameof(options.WebhookSecret))}), " +
                $"or set {Setting(nameof(options.AllowUnauthenticated))}=true to accept unauthenticated webhook calls.");
        }

        InRange(failures, nameof(options.MaxBodyBytes), options.MaxBodyBytes, 1024, RelayOptions.DefaultMaxBodyBytes);
        InRange(failures, nameof(options.AckTimeout), options.AckTimeout, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(25));
        InRange(failures, nameof(options.AppendRetries), options.AppendRetries, 0, 10);
        InRange(failures, nameof(options.OutboxSweepInterval), options.OutboxSweepInterval, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        InRange(failures, nameof(options.PendingGrace), options.PendingGrace, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        if (options.PendingGrace < options.AckTimeout)
        {
            failures.Add($"{Setting(nameof(options.PendingGrace))} ({options.PendingGrace}) must be at least {Setting(nameof(options.AckTimeout))} ({options.AckTimeout}): " +
                "a range younger than that may still be handed off by the request that wrote it.");
        }

        if (!string.IsNullOrEmpty(options.AdminKey) && options.AdminKey.Length < 16)
        {
            failures.Add($"{Setting(nameof(options.AdminKey))} is shorter than 16 characters (app setting {AppSetting(nameof(options.AdminKey))}); use a long random key, or leave it empty to disable the admin endpoints.");
        }

        var delivery = options.Delivery;
        const string d = nameof(options.Delivery);
        InRange(failures, $"{d}:{nameof(delivery.MaxAttempts)}", delivery.MaxAttempts, 1, 100);
        InRange(failures, $"{d}:{nameof(delivery.BaseDelay)}", delivery.BaseDelay, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(1));
        InRange(failures, $"{d}:{nameof(delivery.MaxDelay)}", delivery.MaxDelay, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(10));
        InRange(failures, $"{d}:{nameof(delivery.AttemptTimeout)}", delivery.AttemptTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(2));
        InRange(failures, $"{d}:{nameof(delivery.MessageBudget)}", delivery.MessageBudget, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));
        InRange(failures, $"{d}:{nameof(delivery.MaxEventsPerMessage)}", delivery.MaxEventsPerMessage, 1, RelayDeliveryOptions.MaxMaxEventsPerMessage);
        InRange(failures, $"{d}:{nameof(delivery.SafetyNetDelay)}", delivery.SafetyNetDelay, TimeSpan.Zero, TimeSpan.FromMinutes(1));
        if (delivery.MaxDelay < delivery.BaseDelay)
        {
            failures.Add($"{Setting($"{d}:{nameof(delivery.MaxDelay)}")} ({delivery.MaxDelay}) must be at least {Setting($"{d}:{nameof(delivery.BaseDelay)}")} ({delivery.BaseDelay}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static string Setting(string property) => $"{RelayOptions.SectionName}:{property}";

    private static string AppSetting(string property) => $"{RelayOptions.SectionName}__{property.Replace(":", "__", StringComparison.Ordinal)}";

    private static void InRange<T>(List<string> failures, string property, T value, T min, T max)
        where T : IComparable<T>
    {
        if (value.CompareTo(min) < 0 || value.CompareTo(max) > 0)
        {
            failures.Add($"{Setting(property)} ({value}) must be between {min} and {max} (app setting {AppSetting(property)}).");
        }
    }
}
