using FunctionsDashboard.Health;
using FunctionsDashboard.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Hub;

/// <summary>Registers the statically declared hub handlers, their frozen catalog and the upstream dispatcher.</summary>
public static class DashboardHubExtensions
{
    /// <summary>Adds the dashboard hub. The catalog is validated and frozen when the host starts; a defect stops it.</summary>
    public static TBuilder AddDashboardHub<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        var services = builder.Services;
        foreach (var declaration in DashboardHubHandlers.Declarations)
        {
            if (declaration.Handler is not null)
            {
                services.TryAddSingleton(declaration.Handler);
            }
        }

        services.TryAddSingleton(sp => HubHandlerCatalog.Freeze(
            sp.GetRequiredService<IOptions<SignalROptions>>().Value.HubName,
            DashboardHubHandlers.Declarations,
            type => sp.GetService<IServiceProviderIsService>()?.IsService(type) == true));
        services.TryAddSingleton<UpstreamDispatcher>();
        services.AddSingleton<IStartupCheck, HubCatalogCheck>();
        return builder;
    }

    private sealed class HubCatalogCheck(IServiceProvider services) : IStartupCheck
    {
        public void Check() => services.GetRequiredService<HubHandlerCatalog>();
    }
}
