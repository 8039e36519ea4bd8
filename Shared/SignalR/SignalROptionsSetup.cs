using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.SignalR;

/// <summary>Reads the connection string from <c>AzureSignalRConnectionString</c> (as the Functions SignalR extension does).</summary>
internal sealed class SignalROptionsSetup(IConfiguration configuration) : IConfigureOptions<SignalROptions>
{
    public void Configure(SignalROptions options) =>
        options.ConnectionString ??= configuration[SignalROptions.ConnectionStringSetting];
}

/// <summary>Validates <see cref="SignalROptions"/> at startup; messages name the setting and never echo the key.</summary>
internal sealed partial class SignalROptionsValidator : IValidateOptions<SignalROptions>
{
    public ValidateOptionsResult Validate(string? name, SignalROptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            failures.Add($"{SignalROptions.ConnectionStringSetting} is not set: give the SignalR Service connection string (Endpoint=...;AccessKey=...;Version=1.0;).");
        }
        else if (SignalRConnectionString.TryParse(options.ConnectionString, out var parsed, out var error))
        {
            options.Parsed = parsed;
        }
        else
        {
            failures.Add($"{SignalROptions.ConnectionStringSetting} is malformed: {error}");
        }

        if (!HubNamePattern().IsMatch(options.HubName ?? ""))
        {
            failures.Add($"SignalR:HubName ('{options.HubName}') must start with a letter, then letters, digits or '_' (at most 127).");
        }

        if (options.AccessTokenLifetime < TimeSpan.FromMinutes(1) || options.AccessTokenLifetime > TimeSpan.FromHours(24))
        {
            failures.Add($"SignalR:AccessTokenLifetime ({options.AccessTokenLifetime}) must be between 00:01:00 and 1.00:00:00.");
        }

        foreach (var origin in options.AllowedOrigins)
        {
            if (origin != "*" && (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.AbsolutePath != "/" || !string.IsNullOrEmpty(uri.Query) || origin.EndsWith('/')))
            {
                failures.Add($"SignalR:AllowedOrigins entry '{origin}' must be '*' or an origin like https://ops.example.com (scheme, host, optional port; no path).");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_]{0,126}$")]
    private static partial Regex HubNamePattern();
}
