using Azure;
using FunctionsDashboard.Hardening;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace FunctionsDashboard.Health;

/// <summary>
/// Runs the <see cref="IStartupStep"/>s in order, retrying each until it succeeds, then marks the app ready.
/// Every failure of a step is retried (errors, the SDK's network timeouts, which surface as
/// <see cref="TaskCanceledException"/>, and tries that exceed <see cref="StartupOptions.AttemptTimeout"/>) with capped,
/// jittered exponential backoff, for as long as it takes; meanwhile <see cref="Readiness.Reason"/> says why the app is not
/// ready (shown by <c>/api/health</c>, 503 + Retry-After). Only host shutdown ends the loop. Configuration defects are
/// found before any step runs: options validation and the <see cref="IStartupCheck"/>s, which stop the host.
/// </summary>
internal sealed partial class StartupService(
    IEnumerable<IStartupCheck> checks,
    IEnumerable<IStartupStep> steps,
    Readiness readiness,
    IOptions<StartupOptions> options,
    TimeProvider timeProvider,
    ILogger<StartupService> logger) : BackgroundService
{
    /// <summary>Longest reason text taken from an exception for the health answer.</summary>
    internal const int MaxReasonLength = 200;

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
            var pipeline = CreatePipeline(step, stoppingToken);
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

    private ResiliencePipeline CreatePipeline(IStartupStep step, CancellationToken stoppingToken)
    {
        var o = options.Value;
        return new ResiliencePipelineBuilder { TimeProvider = timeProvider }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = StartupOptions.BaseRetryDelay,
                MaxDelay = o.MaxRetryDelay,
                // Everything but our own shutdown: a timeout is "not yet", as is any error of a dependency.
                ShouldHandle = new PredicateBuilder().Handle<Exception>(_ => !stoppingToken.IsCancellationRequested),
                OnRetry = args =>
                {
                    var reason = Describe(args.Outcome.Exception, o.AttemptTimeout);
                    readiness.Pending($"startup step '{step.Name}' is retrying (attempt {args.AttemptNumber + 1} failed, next in {args.RetryDelay.TotalSeconds:0.0} s): {reason}", args.RetryDelay);
                    // The exception (with its stack) on the first failure and every tenth; the one-line reason on every one.
                    var withException = args.AttemptNumber % 10 == 0 ? args.Outcome.Exception : null;
                    Log.StepFailed(logger, step.Name, args.AttemptNumber + 1, args.RetryDelay.TotalSeconds, reason, withException);
                    return ValueTask.CompletedTask;
                },
            })
            .AddTimeout(o.AttemptTimeout)
            .Build();
    }

    /// <summary>A short, single-line reason for the health answer: never a stack, at most <see cref="MaxReasonLength"/> characters.</summary>
    internal static string Describe(Exception? exception, TimeSpan attemptTimeout) => exception switch
    {
        null => "unknown error",
        TimeoutRejectedException => $"the try did not finish within {attemptTimeout}",
        OperationCanceledException => "a dependency did not answer in time",
        RequestFailedException { Status: > 0 } r => LogValue.Bounded($"storage answered {r.Status} {r.ErrorCode}".TrimEnd(), MaxReasonLength),
        AggregateException { InnerExceptions.Count: > 0 } a => Describe(a.InnerExceptions[^1], attemptTimeout),
        _ => LogValue.Bounded(FirstLine(exception.Message), MaxReasonLength),
    };

    private static string FirstLine(string message)
    {
        var end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1001, EventName = "StartupStepCompleted", Level = LogLevel.Information, Message = "Startup step {Step} completed")]
        public static partial void StepCompleted(ILogger logger, string step);

        [LoggerMessage(EventId = 1002, EventName = "StartupStepFailed", Level = LogLevel.Warning, Message = "Startup step {Step} failed (attempt {Attempt}): {Reason}; retrying in {DelaySeconds:0.0} s")]
        public static partial void StepFailed(ILogger logger, string step, int attempt, double delaySeconds, string reason, Exception? exception);

        [LoggerMessage(EventId = 1003, EventName = "AppReady", Level = LogLevel.Information, Message = "Dashboard backend is ready after {ElapsedMs:0} ms")]
        public static partial void Ready(ILogger logger, double elapsedMs);
    }
}
