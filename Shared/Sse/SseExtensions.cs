using FunctionsDashboard.EventLog;
using FunctionsDashboard.Options;
using FunctionsDashboard.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace FunctionsDashboard.Sse;

/// <summary>Registers the Server-Sent Events fallback and the history API.</summary>
public static class SseExtensions
{
    /// <summary>Adds the SSE fan-out (also this instance's commit listener), sessions, cursors and history; options validated at startup.</summary>
    public static TBuilder AddSseFallback<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddValidatedOptions<SseOptions, SseOptionsValidator>(SseOptions.SectionName);
        builder.Services.TryAddSingleton<CursorCheckpoints>();
        builder.Services.TryAddSingleton<EventFanout>();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IEventLogCommitListener, EventFanout>(sp => sp.GetRequiredService<EventFanout>()));
        builder.Services.TryAddSingleton<StreamReadPlanner>();
        builder.Services.TryAddSingleton<SseSession>();
        builder.Services.TryAddSingleton<EventHistory>();
        builder.Services.AddStorageResource(StorageResourceKind.BlobContainer, CursorCheckpoints.ContainerName);
        return builder;
    }
}
