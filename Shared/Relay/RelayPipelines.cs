using FunctionsDashboard.SignalR;
using FunctionsDashboard.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using Polly.Telemetry;
using Polly.Timeout;

namespace FunctionsDashboard.Relay;

/// <summary>The relay's Polly pipelines (registered by name in <see cref="RelayExtensions.AddEventGridRelay{TBuilder}"/>).</summary>
public static class RelayPipelines
{
    /// <summary>
    /// Event-log writes and queue hand-offs inside a webhook request, all within <c>Relay:AckTimeout</c>: conflicts (another
    /// writer moved the stream head, or ids turned out to be there already) are tried again at once with a few ms of
    /// jitter for as long as the budget lasts, since each one means some writer made progress (a cap on their number made
    /// a writer that lost the head to a busy second instance several times running fail its whole batch); transient
    /// failures get a short, bounded retry (<c>Relay:AppendRetries</c>, 50 ms doubling with jitter); each try gets at most
    /// half the budget.
    /// </summary>
    public const string Write = "relay-write";

    /// <summary>
    /// Delivery of a range to the SignalR Service (delivery function): <c>Relay:Delivery:MaxAttempts</c> tries, exponential
    /// backoff with jitter from <c>BaseDelay</c> capped at <c>MaxDelay</c>, each try at most <c>AttemptTimeout</c>.
    /// </summary>
    public const string Delivery = "relay-delivery";

    /// <summary>
    /// The write pipeline's retry of head conflicts. A conflict is two writers coordinating: another instance committed first.
    /// It is not a fault, so its retries are telemetry at Debug rather than Polly's Warning with a stack trace. With two
    /// instances on one stream there are many of them. A budget that runs out is still the timeout's error.
    /// </summary>
    internal const string HeadConflictRetry = "HeadConflict";

    /// <summary>First wait of the write pipeline after a transient failure.</summary>
    internal static readonly TimeSpan WriteBaseDelay = TimeSpan.FromMilliseconds(50);

    /// <summary>Registers <see cref="Write"/>, with its telemetry (<see cref="WriteTelemetry"/>).</summary>
    internal static void AddWrite(IServiceCollection services) =>
        services.AddResiliencePipeline(Write, (pipeline, context) =>
        {
            var sp = context.ServiceProvider;
            pipeline.TimeProvider = sp.GetRequiredService<TimeProvider>();
            ConfigureWrite(pipeline, sp.GetRequiredService<IOptions<RelayOptions>>().Value);
            pipeline.ConfigureTelemetry(WriteTelemetry(sp.GetRequiredService<IOptions<TelemetryOptions>>().Value));
        });

    /// <summary>The app's telemetry options, with <see cref="HeadConflictRetry"/>'s events at Debug.</summary>
    internal static TelemetryOptions WriteTelemetry(TelemetryOptions defaults) => new(defaults)
    {
        SeverityProvider = args => args.Source.StrategyName == HeadConflictRetry
            ? ResilienceEventSeverity.Debug
            : defaults.SeverityProvider?.Invoke(args) ?? args.Event.Severity,
    };

    internal static void ConfigureWrite(ResiliencePipelineBuilder builder, RelayOptions options)
    {
        builder.AddTimeout(options.AckTimeout);
        builder.AddRetry(new RetryStrategyOptions
        {
            Name = HeadConflictRetry,
            MaxRetryAttempts = int.MaxValue, // bounded by the AckTimeout outside
            ShouldHandle = new PredicateBuilder().Handle<EventLogConflictException>(),
            DelayGenerator = _ => ValueTask.FromResult<TimeSpan?>(TimeSpan.FromMilliseconds(Random.Shared.Next(0, 10))),
        });
        if (options.AppendRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.AppendRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = WriteBaseDelay,
                MaxDelay = TimeSpan.FromSeconds(1),
                ShouldHandle = args => ValueTask.FromResult(StorageFailures.IsTransient(args.Outcome.Exception)),
            });
        }

        builder.AddTimeout(options.AckTimeout / 2);
    }

    /// <summary>
    /// The delivery pipeline: retries outside (exponential backoff with jitter from <see cref="RelayDeliveryOptions.BaseDelay"/>,
    /// each wait capped at <see cref="RelayDeliveryOptions.MaxDelay"/>; a <c>Retry-After</c> from the Service replaces the
    /// computed wait and is capped as well, since Polly does not apply <c>MaxDelay</c> to a delay generator's answer), then
    /// the instance's shared <see cref="RelayDeliveryGate"/> (a <c>Retry-After</c> pauses every stream's tries, not just
    /// the one that got it), a per-try timeout inside. Only <see cref="IsTransientDeliveryFailure"/> outcomes are retried.
    /// </summary>
    internal static void ConfigureDelivery(ResiliencePipelineBuilder builder, RelayDeliveryOptions options, RelayDeliveryGate gate, Func<OnRetryArguments<object>, ValueTask>? onRetry = null)
    {
        if (options.MaxAttempts > 1)
        {
            var maxDelay = options.MaxDelay;
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.BaseDelay,
                MaxDelay = maxDelay,
                ShouldHandle = args => ValueTask.FromResult(IsTransientDeliveryFailure(args.Outcome.Exception)),
                DelayGenerator = args => ValueTask.FromResult(RetryAfterDelay(args.Outcome.Exception, maxDelay)),
                OnRetry = onRetry,
            });
        }

        var maxWait = options.MaxDelay;
        builder.AddStrategy(_ => new RelayDeliveryGate.Strategy(gate, maxWait));
        builder.AddTimeout(options.AttemptTimeout);
    }

    /// <summary>
    /// The wait the Service asked for (<c>Retry-After</c> on a 429 or 503), at most <paramref name="maxDelay"/>; null when
    /// it asked for none, so the computed backoff applies.
    /// </summary>
    internal static TimeSpan? RetryAfterDelay(Exception? exception, TimeSpan maxDelay) =>
        exception is SignalRRestException { RetryAfter: { } retryAfter }
            ? retryAfter < TimeSpan.Zero ? TimeSpan.Zero : retryAfter > maxDelay ? maxDelay : retryAfter
            : null;

    /// <summary>
    /// Worth another delivery try: the SignalR Service's transient answers (408, 429, 5xx), timeouts and network errors.
    /// A plain 500 is retried too, although the Service also answers 500 when a send timed out after it was delivered: a
    /// retry then duplicates the message (clients drop it by id), while not retrying could lose it. No loss wins.
    /// 4xx other than 408/429 are not retried: the same request would be refused again.
    /// </summary>
    internal static bool IsTransientDeliveryFailure(Exception? exception) => exception switch
    {
        SignalRRestException e => e.IsTransient,
        TimeoutRejectedException or TimeoutException or HttpRequestException => true,
        _ => false,
    };
}
