using FunctionsDashboard.Health;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Relay;

/// <summary>
/// Every <see cref="RelayOptions.OutboxSweepInterval"/>, once the app is ready, hands off again the committed ranges that
/// have been pending longer than <see cref="RelayOptions.PendingGrace"/> (<see cref="RelayEventLog.RecoverPendingAsync"/>).
/// The safety net behind "a redelivery of a pending event re-hands it off": it also covers Event Grid giving up.
/// </summary>
internal sealed class RelayOutboxSweeper(
    RelayEventLog eventLog,
    Readiness readiness,
    IOptions<RelayOptions> options,
    TimeProvider timeProvider,
    ILogger<RelayOutboxSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.OutboxSweepInterval;
        try
        {
            await readiness.WhenReady.WaitAsync(stoppingToken);
            using var timer = new PeriodicTimer(interval, timeProvider);
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    var ranges = await eventLog.RecoverPendingAsync(stoppingToken);
                    if (ranges > 0)
                    {
                        RelayLog.Swept(logger, ranges);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    RelayLog.SweepFailed(logger, interval.TotalSeconds, e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Host stopping.
        }
    }
}
