using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace FunctionsDashboard.Health;

/// <summary>
/// Runs the <see cref="IStartupStep"/>s in order, retrying each until it succeeds, then marks the app ready.
/// </summary>
internal sealed partial class StartupService(
    IEnumerable<IStartupCheck> checks,
    IEnumerable<IStartupStep> steps,
    Readiness readiness,
    TimeProvider timeProvider,
    ILogger<StartupService> logger) : BackgroundService
{
    /// <summary>Cap on the wait between two tries of a failing step.</summary>
    internal static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    /// <summary>Runs the <see cref="IStartupCheck"/>s first: a defect stops the host before it accepts anything.</summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var check in checks)
        {
            check.Check();
        }

        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = timeProvider.GetTimestamp();
        foreach (var step in steps)
        {
            readiness.Pending($"startup step '{step.Name}' has not completed");
            var pipeline = CreatePipeline(step);
            try
            {
                await pipeline.ExecuteAsync(async ct => await step.RunAsync(ct), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }

            Log.StepCompleted(logger, step.Name);
        }

        readiness.MarkReady();
        Log.Ready(logger, timeProvider.GetElapsedTime(started).TotalMilliseconds);
    }

    private ResiliencePipeline CreatePipeline(IStartupStep step) =>
        new ResiliencePipelineBuilder { TimeProvider = timeProvider }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(250),
                MaxDelay = MaxRetryDelay,
                ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not OperationCanceledException),
                OnRetry = args =>
                {
                    var message = args.Outcome.Exception?.Message ?? "unknown error";
                    readiness.Pending($"startup step '{step.Name}' failed: {message}");
                    Log.StepFailed(logger, step.Name, args.AttemptNumber + 1, args.RetryDelay.TotalSeconds, args.Outcome.Exception);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();

    private static partial class Log
    {
        [LoggerMessage(EventId = 1001, EventName = "StartupStepCompleted", Level = LogLevel.Information, Message = "Startup step {Step} completed")]
        public static partial void StepCompleted(ILogger logger, string step);

        [LoggerMessage(EventId = 1002, EventName = "StartupStepFailed", Level = LogLevel.Warning, Message = "Startup step {Step} failed (attempt {Attempt}); retrying in {DelaySeconds:0.0} s")]
        public static partial void StepFailed(ILogger logger, string step, int attempt, double delaySeconds, Exception? exception);

        [LoggerMessage(EventId = 1003, EventName = "AppReady", Level = LogLevel.Information, Message = "Dashboard backend is ready after {ElapsedMs:0} ms")]
        public static partial void Ready(ILogger logger, double elapsedMs);
    }
}
