using FunctionsDashboard.Health;
using FunctionsDashboard.Relay;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FunctionsDashboard.Bench.Common;

/// <summary>An in-process relay (core + Event Grid relay) on the benchmark's Azurite, its startup steps run.</summary>
internal static class RelayHost
{
    /// <summary>Builds the host on <paramref name="storage"/> under <paramref name="prefix"/> and runs its startup steps.</summary>
    /// <param name="storage">The storage connection string.</param>
    /// <param name="prefix">The storage prefix of this run.</param>
    /// <param name="settings">Further settings (e.g. <c>Relay:Delivery:SafetyNetDelay</c>); environment variables prefixed <c>BENCH_</c> override them.</param>
    public static async Task<IHost> StartAsync(string storage, string prefix, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = storage,
            ["Storage:Prefix"] = prefix,
            ["Relay:WebhookSecret"] = "bench",
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        // Any app setting for a run, e.g. BENCH_EventLog__MinCommitInterval=00:00:00.010.
        builder.Configuration.AddEnvironmentVariables("BENCH_");

        builder.AddDashboardCore();
        builder.AddEventGridRelay();
        var host = builder.Build();
        foreach (var step in host.Services.GetServices<IStartupStep>())
        {
            await step.RunAsync(CancellationToken.None);
        }

        return host;
    }
}
