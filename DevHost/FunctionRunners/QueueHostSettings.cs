using FunctionsDashboard.DevHost.Hosting;

namespace FunctionsDashboard.DevHost.FunctionRunners;

/// <summary>host.json <c>extensions.queues</c>, with the Functions host's defaults (polling capped lower for local runs).</summary>
internal sealed record QueueHostSettings(int BatchSize, int MaxDequeueCount, TimeSpan VisibilityTimeout, TimeSpan MaxPollingInterval)
{
    public TimeSpan MinPollingInterval { get; } = TimeSpan.FromMilliseconds(100);

    public static QueueHostSettings From(LocalSettings settings) => new(
        settings.QueueInt("batchSize") ?? 16,
        settings.QueueInt("maxDequeueCount") ?? 5,
        settings.QueueTimeSpan("visibilityTimeout") ?? TimeSpan.Zero,
        settings.QueueTimeSpan("maxPollingInterval") ?? TimeSpan.FromMinutes(1));
}
