using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.SignalR;

/// <summary>
/// Reads the connection string from <c>AzureSignalRConnectionString</c> (as the Functions SignalR extension does) and,
/// after binding, parses it once (<see cref="SignalROptions.Connection"/>); a malformed one is left to the validator.
/// </summary>
internal sealed class SignalROptionsSetup(IConfiguration configuration) : IConfigureOptions<SignalROptions>, IPostConfigureOptions<SignalROptions>
{
    public void Configure(SignalROptions options) =>
        options.ConnectionString ??= configuration[SignalROptions.ConnectionStringSetting];

    public void PostConfigure(string? name, SignalROptions options)
    {
        if (SignalRConnectionString.TryParse(options.ConnectionString, out var parsed, out _))
        {
            options.Parsed = parsed;
        }
    }
}
