using FunctionsDashboard.Health;
using FunctionsDashboard.Relay;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.EventLog;

/// <summary>Once the app is ready and then every <see cref="EventLogOptions.RetentionSweepInterval"/>, drops expired buckets.</summary>
internal sealed class EventLogRetentionService(
    RelayEventLog eventLog,
    Readiness readiness,
    IOptions<EventLogOptions> options,
    TimeProvider timeProvider,
    ILogger<EventLogRetentionService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.RetentionSweepInterval;
        try
        {
            await readiness.WhenReady.WaitAsync(stoppingToken);
            using var timer = new PeriodicTimer(interval, timeProvider);
            do
            {
                try
                {
                    await eventLog.Retention.SweepAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    EventLogLog.RetentionFailed(logger, interval.TotalMinutes, e);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Host stopping.
        }
    }
}
