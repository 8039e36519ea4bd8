using FunctionsDashboard.EventLog;
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
        builder.Services.AddOptions<SseOptions>()
            .BindConfiguration(SseOptions.SectionName)
            .Validate(o => o.MaxStreamDuration >= TimeSpan.FromSeconds(5) && o.MaxStreamDuration <= TimeSpan.FromSeconds(225), "Sse:MaxStreamDuration must be between 00:00:05 and 00:03:45 (Azure ends HTTP responses at 230 s).")
            .Validate(o => o.PollInterval >= TimeSpan.FromMilliseconds(10) && o.PollInterval <= TimeSpan.FromSeconds(10), "Sse:PollInterval must be between 00:00:00.010 and 00:00:10.")
            .Validate(o => o.RetryHint >= TimeSpan.FromMilliseconds(100) && o.RetryHint <= TimeSpan.FromMinutes(1), "Sse:RetryHint must be between 00:00:00.100 and 00:01:00.")
            .Validate(o => o.ClientBuffer is >= 16 and <= 100_000, "Sse:ClientBuffer must be between 16 and 100000.")
            .Validate(o => o.CheckpointInterval >= TimeSpan.FromMilliseconds(100) && o.CheckpointInterval <= TimeSpan.FromMinutes(10), "Sse:CheckpointInterval must be between 00:00:00.100 and 00:10:00.")
            .Validate(o => o.CursorRetention >= TimeSpan.FromHours(1) && o.CursorRetention <= TimeSpan.FromDays(400), "Sse:CursorRetention must be between 01:00:00 and 400.00:00:00.")
            .ValidateOnStart();
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
