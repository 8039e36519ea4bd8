using Microsoft.Extensions.Options;

namespace FunctionsDashboard.DevHost.LocalSignalR;

/// <summary>Validates <see cref="LocalSignalROptions"/> when DevHost starts; each message names the setting.</summary>
internal sealed class LocalSignalROptionsValidator : IValidateOptions<LocalSignalROptions>
{
    public ValidateOptionsResult Validate(string? name, LocalSignalROptions options)
    {
        var failures = new List<string>();
        InRange(failures, nameof(options.UpstreamTimeout), options.UpstreamTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));
        InRange(failures, nameof(options.KeepAliveInterval), options.KeepAliveInterval, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));
        InRange(failures, nameof(options.HandshakeTimeout), options.HandshakeTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));
        if (options.ClientTimeoutInterval < 2 * options.KeepAliveInterval || options.ClientTimeoutInterval > TimeSpan.FromMinutes(10))
        {
            failures.Add($"{Setting(nameof(options.ClientTimeoutInterval))} ({options.ClientTimeoutInterval}) must be at least 2 × {nameof(options.KeepAliveInterval)} ({options.KeepAliveInterval}) and at most 00:10:00.");
        }

        if (!string.IsNullOrEmpty(options.UpstreamUrl)
            && (!Uri.TryCreate(LocalUpstreamCaller.Expand(options.UpstreamUrl, "hub", "category", "event"), UriKind.Absolute, out var upstream)
                || (upstream.Scheme != Uri.UriSchemeHttp && upstream.Scheme != Uri.UriSchemeHttps)))
        {
            failures.Add($"{Setting(nameof(options.UpstreamUrl))} ('{options.UpstreamUrl}') must be an absolute http or https URL.");
        }

        foreach (var (property, key) in new[] { (nameof(options.AccessKey), options.AccessKey), (nameof(options.SecondaryAccessKey), options.SecondaryAccessKey), ("Entra:SigningKey", options.Entra.SigningKey ?? new string('x', 32)) })
        {
            if (string.IsNullOrEmpty(key) || key.Length < 32)
            {
                failures.Add($"{Setting(property)} must be at least 32 characters (HS256).");
            }
        }

        failures.AddRange(options.Faults.Validate());
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static string Setting(string property) => $"{LocalSignalROptions.SectionName}:{property}";

    private static void InRange(List<string> failures, string property, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            failures.Add($"{Setting(property)} ({value}) must be between {min} and {max}.");
        }
    }
}
