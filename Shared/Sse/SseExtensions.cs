using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace FunctionsDashboard.Sse;

/// <summary>Registers the Server-Sent Events fallback.</summary>
public static class SseExtensions
{
    /// <summary>Adds the SSE fan-out and sessions; options validated at startup.</summary>
    public static TBuilder AddSseFallback<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddOptions<SseOptions>()
            .BindConfiguration(SseOptions.SectionName)
            .Validate(o => o.MaxStreamDuration >= TimeSpan.FromSeconds(5) && o.MaxStreamDuration <= TimeSpan.FromSeconds(225), "Sse:MaxStreamDuration must be between 00:00:05 and 00:03:45 (Azure ends HTTP responses at 230 s).")
            .Validate(o => o.PollInterval >= TimeSpan.FromMilliseconds(10) && o.PollInterval <= TimeSpan.FromSeconds(10), "Sse:PollInterval must be between 00:00:00.010 and 00:00:10.")
            .Validate(o => o.RetryHint >= TimeSpan.FromMilliseconds(100) && o.RetryHint <= TimeSpan.FromMinutes(1), "Sse:RetryHint must be between 00:00:00.100 and 00:01:00.")
            .Validate(o => o.ClientBuffer is >= 16 and <= 100_000, "Sse:ClientBuffer must be between 16 and 100000.")
            .Validate(o => !string.IsNullOrWhiteSpace(o.DefaultStream), "Sse:DefaultStream must not be empty.")
            .ValidateOnStart();
        builder.Services.TryAddSingleton<EventFanout>();
        builder.Services.TryAddSingleton<SseSession>();
        return builder;
    }
}
