using FunctionsDashboard.Connections;
using FunctionsDashboard.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FunctionsDashboard.Tests.Support;

/// <summary>
/// A host with the product's connection registry (and what it needs) on real Azurite, its own storage prefix and a given
/// clock; hosts built with the same prefix are instances sharing one registry table. Not started: tests call the
/// services directly.
/// </summary>
public static class RegistryHost
{
    public static async Task<IHost> BuildAsync(
        AzuriteFixture azurite,
        string prefix,
        TimeProvider time,
        IDictionary<string, string?>? settings = null,
        Action<HostApplicationBuilder>? configure = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Storage:Prefix"] = prefix,
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.Services.AddSingleton(time);
        builder.AddDashboardCore();
        configure?.Invoke(builder);
        builder.AddConnectionRegistry();
        var host = builder.Build();
        await host.Services.GetRequiredService<DashboardStorage>().Table(ConnectionRegistryOptions.TableName).CreateIfNotExistsAsync();
        return host;
    }
}
