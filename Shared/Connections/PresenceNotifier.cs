using FunctionsDashboard.SignalR;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FunctionsDashboard.Connections;

/// <summary>
/// Pushes <c>presence</c> (<c>{count}</c>) to every dashboard when connections come or go. Requests are coalesced: at
/// most one count and one broadcast per <see cref="Period"/>, however many connections change meanwhile, so a reconnect
/// storm costs a handful of pushes, not one per client.
/// </summary>
public sealed partial class PresenceNotifier(
    ConnectionRegistry registry,
    IHubBroadcaster broadcaster,
    TimeProvider timeProvider,
    ILogger<PresenceNotifier> logger) : BackgroundService
{
    /// <summary>The hub method dashboards receive.</summary>
    public const string Target = "presence";

    /// <summary>Shortest time between two pushes.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    private int _pending;

    /// <summary>Asks for a push soon (cheap; call it on every change).</summary>
    public void Notify() => Interlocked.Exchange(ref _pending, 1);

    /// <summary>A push was asked for and has not gone out yet.</summary>
    public bool IsPending => Volatile.Read(ref _pending) == 1;

    /// <summary>Counts and pushes now.</summary>
    public async Task PushAsync(CancellationToken cancellationToken)
    {
        registry.InvalidatePresence();
        var presence = await registry.CountAsync(cancellationToken);
        await broadcaster.BroadcastAsync(Target, [new { count = presence.Count }], cancellationToken);
        Log.Pushed(logger, presence.Count);
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (Interlocked.Exchange(ref _pending, 0) == 0)
                {
                    continue;
                }

                try
                {
                    await PushAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Presence is advisory: log and let the next change (or sweep) push again.
                    Log.PushFailed(logger, e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 4101, EventName = "PresencePushed", Level = LogLevel.Debug, Message = "Presence pushed: {Count} live connections")]
        public static partial void Pushed(ILogger logger, int count);

        [LoggerMessage(EventId = 4102, EventName = "PresencePushFailed", Level = LogLevel.Warning, Message = "Presence push failed")]
        public static partial void PushFailed(ILogger logger, Exception exception);
    }
}
