using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Access;

/// <summary>Fills the computed defaults of <see cref="AccessOptions"/> (after binding).</summary>
internal sealed class AccessOptionsSetup(IConfiguration configuration) : IPostConfigureOptions<AccessOptions>
{
    public void PostConfigure(string? name, AccessOptions options)
    {
        options.AllowAnonymous ??= bool.TryParse(configuration["SignalR:AllowAnonymous"], out var anonymous) && anonymous;
        options.TrustAppServicePrincipal ??= string.Equals(configuration["WEBSITE_AUTH_ENABLED"], "True", StringComparison.OrdinalIgnoreCase);
        if (options.AnonymousStreams.Count == 0)
        {
            options.AnonymousStreams.Add("*");
        }
    }
}
