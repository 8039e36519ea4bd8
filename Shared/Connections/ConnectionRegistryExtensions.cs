using FunctionsDashboard.Options;
using FunctionsDashboard.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace FunctionsDashboard.Connections;

/// <summary>Registers the connection registry.</summary>
public static class ConnectionRegistryExtensions
{
    /// <summary>Adds the registry, its options (validated at startup), its table and its Polly pipeline.</summary>
    public static TBuilder AddConnectionRegistry<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        var services = builder.Services;
        services.AddValidatedOptions<ConnectionRegistryOptions, ConnectionRegistryOptionsValidator>(ConnectionRegistryOptions.SectionName);
        services.AddStorageResource(StorageResourceKind.Table, ConnectionRegistryOptions.TableName);
        services.AddResiliencePipeline(ConnectionRegistry.PipelineName, (pipeline, context) =>
        {
            pipeline.TimeProvider = context.ServiceProvider.GetRequiredService<TimeProvider>();
            pipeline
                .AddRetry(new RetryStrategyOptions
                {
                    // The origin fix: 3 attempts with exponential backoff (jittered) for registry writes.
                    MaxRetryAttempts = 2,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = TimeSpan.FromMilliseconds(200),
                    MaxDelay = TimeSpan.FromSeconds(2),
                    // Transient failures, and races: a retry locates the row again, so a conflict is worth one more try.
                    ShouldHandle = args => ValueTask.FromResult(StorageFailures.IsTransient(args.Outcome.Exception) || StorageFailures.IsConcurrencyRace(args.Outcome.Exception)),

                    // An optimistic-concurrency conflict (or a row that moved between the read and the write) is retried
                    // at once: the retry finds the row again, nothing to wait for.
                    DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(StorageFailures.IsConcurrencyRace(args.Outcome.Exception) ? TimeSpan.Zero : null),
                })
                .AddTimeout(context.ServiceProvider.GetRequiredService<IOptions<DashboardOptions>>().Value.ConnectionTimeout);
        });
        services.TryAddSingleton<ConnectionKeys>();
        services.TryAddSingleton<ConnectionTable>();
        services.TryAddSingleton<ConnectionRegistry>();
        services.TryAddSingleton<StaleConnectionScanner>();
        services.TryAddSingleton<Negotiator>();
        services.TryAddSingleton<PresenceNotifier>();
        services.AddHostedService(sp => sp.GetRequiredService<PresenceNotifier>());
        services.TryAddSingleton<ConnectionSweeper>();
        return builder;
    }
}
