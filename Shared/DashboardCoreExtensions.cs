using FunctionsDashboard.Health;
using FunctionsDashboard.Options;
using FunctionsDashboard.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard;

/// <summary>Registers the host-agnostic core: options, time, storage, readiness and health.</summary>
public static class DashboardCoreExtensions
{
    /// <summary>The log category of the platform's health-check service (<c>DefaultHealthCheckService</c>).</summary>
    public const string HealthCheckLogCategory = "Microsoft.Extensions.Diagnostics.HealthChecks.DefaultHealthCheckService";

    /// <summary>Adds the core services. Options are validated when the host starts.</summary>
    public static TBuilder AddDashboardCore<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);

        services.AddValidatedOptions<DashboardOptions, DashboardOptionsValidator>(DashboardOptions.SectionName)
            .WithCrossFieldValidator<DashboardOptions, DashboardOptionsCrossFieldValidator>();

        // AzureWebJobsStorage is a plain value or a section: StorageOptionsSetup reads it the way the Functions host does.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<StorageOptions>, StorageOptionsSetup>());
        services.AddValidatedOptions<StorageOptions, StorageOptionsValidator>(sectionName: null)
            .WithCrossFieldValidator<StorageOptions, StorageOptionsCrossFieldValidator>();
        services.TryAddSingleton<DashboardStorage>();

        services.AddValidatedOptions<StartupOptions, StartupOptionsValidator>(StartupOptions.SectionName);
        services.TryAddSingleton<Readiness>();
        services.TryAddSingleton<DashboardHealth>();

        // Health is the platform's health-check service over three checks; the startup steps stay in StartupService
        // (retrying, never in a request), so /api/health only reads their state and probes storage once.
        services.AddHealthChecks()
            .AddCheck<OptionsHealthCheck>(OptionsHealthCheck.Name)
            .AddCheck<StartupHealthCheck>(StartupHealthCheck.Name)
            .AddCheck<StorageHealthCheck>(StorageHealthCheck.Name);

        // The health-check service logs every unhealthy check at Error, i.e. every poll while the app is starting or
        // storage is away. "Not ready, retrying" is not an error: the answer carries the reason and StartupService logs
        // each failed try (with backoff). Its own log lines are therefore kept to Critical.
        builder.Logging.AddFilter(HealthCheckLogCategory, LogLevel.Critical);
        services.AddSingleton<IStartupStep, StorageProvisioningStep>();
        services.AddHostedService<StartupService>();
        return builder;
    }

    /// <summary>Declares a table, queue or container the app needs; it is created at startup before the app is ready.</summary>
    public static IServiceCollection AddStorageResource(this IServiceCollection services, StorageResourceKind kind, string name)
    {
        services.AddSingleton(new StorageResource(kind, name));
        return services;
    }
}
