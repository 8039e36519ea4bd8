using System.Net;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace FunctionsDashboard.SignalR;

/// <summary>The Polly pipeline of <see cref="SignalRRestClient"/>: retries outside, a per-try timeout inside.</summary>
internal static class SignalRRestPipeline
{
    public const int MaxRetryAttempts = 3;
    public static readonly TimeSpan BaseDelay = TimeSpan.FromMilliseconds(800);
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);

    public static void Configure(ResiliencePipelineBuilder builder, TimeSpan attemptTimeout) =>
        builder
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = MaxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = BaseDelay,
                MaxDelay = MaxDelay,
                ShouldHandle = args => ValueTask.FromResult(IsRetryable(args.Outcome.Exception, args.Context.Properties.GetValue(SignalRRestClient.IsSendKey, false))),
                DelayGenerator = args => ValueTask.FromResult(
                    args.Outcome.Exception is SignalRRestException { RetryAfter: { } retryAfter } ? (TimeSpan?)(retryAfter < MaxDelay ? retryAfter : MaxDelay) : null),
            })
            .AddTimeout(attemptTimeout);

    /// <summary>
    /// Transient: timeouts, network errors, 408, 429 and 5xx; for sends not a plain 500 (the Service answers 500 when a send
    /// timed out, possibly after delivery, so a retry could duplicate the message).
    /// </summary>
    public static bool IsRetryable(Exception? exception, bool isSend) => exception switch
    {
        SignalRRestException { StatusCode: HttpStatusCode.InternalServerError } when isSend => false,
        SignalRRestException e => e.IsTransient,
        TimeoutRejectedException or HttpRequestException => true,
        _ => false,
    };
}
