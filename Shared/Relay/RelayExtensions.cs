using FunctionsDashboard.EventLog;
using FunctionsDashboard.Options;
using FunctionsDashboard.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Relay;

/// <summary>Registers the Event Grid relay's ingress: options, event log, webhook logic, hand-off, outbox sweep, pipelines.</summary>
public static class RelayExtensions
{
    /// <summary>
    /// Adds the relay. Options (section <c>Relay</c>) are validated when the host starts; the event log table, the
    /// delivery queue and the payload container are created before the app reports ready. The delivery half (its
    /// pipeline, dead-letter store, re-drive) is <see cref="RelayDeliveryExtensions.AddRelayDelivery{TBuilder}"/>.
    /// </summary>
    public static TBuilder AddEventGridRelay<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);

        // Computed defaults first, so values from configuration win.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<RelayOptions>, RelayOptionsSetup>());
        services.AddValidatedOptions<RelayOptions, RelayOptionsValidator>(RelayOptions.SectionName)
            .WithCrossFieldValidator<RelayOptions, RelayOptionsCrossFieldValidator>();
        services.AddValidatedOptions<EventLogOptions, EventLogOptionsValidator>(EventLogOptions.SectionName);

        // The bucket tables and payload containers of each day are created by the log when first needed.
        services.AddStorageResource(StorageResourceKind.Table, RelayStorageNames.StreamDirectoryTable);
        services.AddStorageResource(StorageResourceKind.Queue, RelayStorageNames.DeliveryQueue);

        RelayPipelines.AddWrite(services);

        services.TryAddSingleton<RelayStats>();
        services.TryAddSingleton<IRelayHandOff, QueueRelayHandOff>();
        services.TryAddSingleton<EventLogCommitListeners>();
        services.TryAddSingleton<RelayEventLog>();
        services.TryAddSingleton(sp => sp.GetRequiredService<RelayEventLog>().Writer);
        services.TryAddSingleton(sp => sp.GetRequiredService<RelayEventLog>().Reader);
        services.TryAddSingleton<IEventLogReader>(sp => sp.GetRequiredService<RelayEventLog>().Reader);
        services.TryAddSingleton<IEventAudience, EveryoneAudience>();
        services.TryAddSingleton<EventGridWebhook>();
        services.AddHostedService<RelayOutboxSweeper>();
        services.AddHostedService<EventLogRetentionService>();
        return builder;
    }
}
