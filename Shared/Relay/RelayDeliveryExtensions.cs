using FunctionsDashboard.EventLog;
using FunctionsDashboard.SignalR;
using FunctionsDashboard.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Registry;

namespace FunctionsDashboard.Relay;

/// <summary>Registers the relay's delivery half: the delivery pipeline, delivery state, dead-letter store and re-drive.</summary>
public static class RelayDeliveryExtensions
{
    /// <summary>
    /// Adds delivery to the SignalR Service (needs <see cref="RelayExtensions.AddEventGridRelay{TBuilder}"/> and
    /// <see cref="SignalRServiceExtensions.AddSignalRService{TBuilder}"/>). The state and dead-letter tables are created
    /// before the app reports ready.
    /// </summary>
    public static TBuilder AddRelayDelivery<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        var services = builder.Services;
        services.AddStorageResource(StorageResourceKind.Table, RelayStorageNames.DeliveryStateTable);
        services.AddStorageResource(StorageResourceKind.Table, RelayStorageNames.DeadLetterTable);
        services.AddStorageResource(StorageResourceKind.Queue, RelayStorageNames.DeliveryPoisonQueue);

        services.TryAddSingleton<RelayDeliveryGate>();
        services.AddResiliencePipeline(RelayPipelines.Delivery, (pipeline, context) =>
        {
            var sp = context.ServiceProvider;
            pipeline.TimeProvider = sp.GetRequiredService<TimeProvider>();
            var stats = sp.GetRequiredService<RelayStats>();
            var logger = sp.GetRequiredService<ILogger<RelayDelivery>>();
            RelayPipelines.ConfigureDelivery(
                pipeline,
                sp.GetRequiredService<IOptions<RelayOptions>>().Value.Delivery,
                sp.GetRequiredService<RelayDeliveryGate>(),
                args => RelayDeliverySender.OnRetry(args, stats, logger));
        });

        services.TryAddSingleton<DeliveryStateStore>();
        services.TryAddSingleton<DeadLetterStore>();
        services.TryAddSingleton(sp => new RelayDeliverySender(
            sp.GetRequiredService<IHubBroadcaster>(),
            sp.GetRequiredService<IEventAudience>(),
            sp.GetRequiredService<DeadLetterStore>(),
            sp.GetRequiredService<RelayStats>(),
            sp.GetRequiredService<ResiliencePipelineProvider<string>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<RelayDelivery>>()));
        services.TryAddSingleton(sp => new RelayDeliveryStreams(
            sp.GetRequiredService<IEventLogReader>,
            sp.GetRequiredService<DeliveryStateStore>(),
            sp.GetRequiredService<RelayDeliverySender>(),
            sp.GetRequiredService<IOptions<RelayOptions>>(),
            sp.GetService<IHostApplicationLifetime>()?.ApplicationStopping ?? CancellationToken.None,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<RelayDelivery>>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IEventLogCommitListener, RelayDeliveryListener>());
        services.TryAddSingleton(sp => new RelayDelivery(
            sp.GetRequiredService<RelayDeliveryStreams>(),
            sp.GetRequiredService<RelayDeliverySender>(),
            sp.GetRequiredService<IEventLogReader>(),
            sp.GetRequiredService<DeadLetterStore>(),
            sp.GetRequiredService<IRelayHandOff>(),
            sp.GetRequiredService<IOptions<RelayOptions>>(),
            sp.GetRequiredService<ResiliencePipelineProvider<string>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<RelayDelivery>>()));
        services.TryAddSingleton(sp => new RelayDeadLetters(
            sp.GetRequiredService<DeadLetterStore>(),
            sp.GetRequiredService<IRelayHandOff>(),
            sp.GetRequiredService<RelayStats>(),
            sp.GetRequiredService<ResiliencePipelineProvider<string>>(),
            sp.GetRequiredService<ILogger<RelayDeadLetters>>()));
        return builder;
    }
}
