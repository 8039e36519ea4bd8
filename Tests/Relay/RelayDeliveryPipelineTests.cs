using System.Net;
using FunctionsDashboard.Relay;
using FunctionsDashboard.SignalR;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Polly;
using Polly.Registry;
using Polly.Timeout;

namespace FunctionsDashboard.Tests.Relay;

/// <summary>
/// The delivery pipeline's bounds on fake time: 10 tries, no wait above 30 s whatever the attempt count or the
/// Service's <c>Retry-After</c> (Polly does not cap a delay generator's answer with MaxDelay: the pipeline must), only
/// transient outcomes retried, a timeout per try.
/// </summary>
public sealed class RelayDeliveryPipelineTests
{
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(7);
    private readonly ObservableFakeTime _time = new();

    [Fact]
    public void Defaults_AreTenTriesTwoSecondBaseThirtySecondCapTwoMinuteBudget()
    {
        var options = new RelayDeliveryOptions();

        Assert.Equal((10, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2)), (options.MaxAttempts, options.BaseDelay, options.MaxDelay, options.MessageBudget));
    }

    [Fact]
    public async Task Execute_AlwaysTransient_TenTriesAndNoWaitAboveThirtySeconds()
    {
        var (attempts, delays) = await RunAlwaysFailingAsync(new RelayDeliveryOptions { AttemptTimeout = AttemptTimeout }, () => FakeBroadcaster.Status(HttpStatusCode.ServiceUnavailable));

        Assert.Equal(10, attempts);
        Assert.Equal(9, delays.Count);
        Assert.All(delays, d => Assert.InRange(d, TimeSpan.Zero, TimeSpan.FromSeconds(30)));
        Assert.Contains(delays, d => d == TimeSpan.FromSeconds(30)); // the exponential growth reaches the cap within 10 tries
    }

    [Fact]
    public async Task Execute_ManyAttempts_EveryWaitCappedAtMaxDelay()
    {
        var options = new RelayDeliveryOptions { MaxAttempts = 100, AttemptTimeout = AttemptTimeout };

        var (attempts, delays) = await RunAlwaysFailingAsync(options, () => new TimeoutException("no answer"));

        Assert.Equal(100, attempts);
        Assert.All(delays, d => Assert.InRange(d, TimeSpan.Zero, options.MaxDelay));
        Assert.All(delays.Skip(10), d => Assert.Equal(options.MaxDelay, d)); // 2 s × 2^t passed 30 s long ago (no overflow)
    }

    [Fact]
    public async Task Execute_LargeRetryAfter_WaitCappedAtMaxDelay()
    {
        var (attempts, delays) = await RunAlwaysFailingAsync(
            new RelayDeliveryOptions { AttemptTimeout = AttemptTimeout },
            () => FakeBroadcaster.Status(HttpStatusCode.TooManyRequests, TimeSpan.FromHours(1)));

        Assert.Equal(10, attempts);
        Assert.All(delays, d => Assert.Equal(TimeSpan.FromSeconds(30), d));
    }

    [Fact]
    public async Task Execute_SmallRetryAfter_WaitsExactlyThat()
    {
        var (_, delays) = await RunAlwaysFailingAsync(
            new RelayDeliveryOptions { MaxAttempts = 3, AttemptTimeout = AttemptTimeout },
            () => FakeBroadcaster.Status(HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(3)));

        Assert.Equal([TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(3)], delays);
    }

    [Fact]
    public async Task Execute_NotTransient_TriedOnce()
    {
        var (attempts, delays) = await RunAlwaysFailingAsync(new RelayDeliveryOptions { AttemptTimeout = AttemptTimeout }, () => FakeBroadcaster.Status(HttpStatusCode.BadRequest));

        Assert.Equal(1, attempts);
        Assert.Empty(delays);
    }

    [Fact]
    public async Task Execute_TryHangs_TimedOutAfterAttemptTimeoutAndRetried()
    {
        var pipeline = Build(new RelayDeliveryOptions { MaxAttempts = 2, AttemptTimeout = AttemptTimeout });
        var attempts = 0;
        var firstTryWaiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = pipeline.ExecuteAsync(async ct =>
        {
            if (++attempts == 1)
            {
                firstTryWaiting.SetResult();
                await Task.Delay(Timeout.InfiniteTimeSpan, ct); // the Service never answers the first try
            }
        }).AsTask();

        await firstTryWaiting.Task.WaitAsync(TimeSpan.FromSeconds(10)); // the try's timeout is armed before the try starts
        _time.Advance(AttemptTimeout - TimeSpan.FromMilliseconds(1));
        Assert.False(run.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        _time.Advance(await NextFiniteTimerAsync()); // the backoff after the timed-out try

        await run;
        Assert.Equal(2, attempts);
    }

    [Theory]
    [InlineData(HttpStatusCode.RequestTimeout, true)]
    [InlineData(HttpStatusCode.TooManyRequests, true)]
    [InlineData(HttpStatusCode.InternalServerError, true)] // ambiguous (maybe delivered): retried, a duplicate beats a loss
    [InlineData(HttpStatusCode.BadGateway, true)]
    [InlineData(HttpStatusCode.ServiceUnavailable, true)]
    [InlineData(HttpStatusCode.GatewayTimeout, true)]
    [InlineData(HttpStatusCode.BadRequest, false)]
    [InlineData(HttpStatusCode.Unauthorized, false)]
    [InlineData(HttpStatusCode.Forbidden, false)]
    [InlineData(HttpStatusCode.NotFound, false)]
    [InlineData(HttpStatusCode.RequestEntityTooLarge, false)]
    public void IsTransientDeliveryFailure_ByStatus(HttpStatusCode status, bool transient) =>
        Assert.Equal(transient, RelayPipelines.IsTransientDeliveryFailure(new SignalRRestException(status, "x")));

    [Fact]
    public void IsTransientDeliveryFailure_TimeoutsAndNetworkYes_CancellationAndBugsNo()
    {
        Assert.True(RelayPipelines.IsTransientDeliveryFailure(new TimeoutException()));
        Assert.True(RelayPipelines.IsTransientDeliveryFailure(new TimeoutRejectedException()));
        Assert.True(RelayPipelines.IsTransientDeliveryFailure(new HttpRequestException("refused")));
        Assert.False(RelayPipelines.IsTransientDeliveryFailure(new OperationCanceledException()));
        Assert.False(RelayPipelines.IsTransientDeliveryFailure(new InvalidOperationException()));
    }

    [Theory]
    [InlineData(2, 2)]
    [InlineData(30, 30)]
    [InlineData(31, 30)]
    [InlineData(86400, 30)]
    public void RetryAfterDelay_IsCappedAtMaxDelay(int retryAfterSeconds, int expectedSeconds) =>
        Assert.Equal(
            TimeSpan.FromSeconds(expectedSeconds),
            RelayPipelines.RetryAfterDelay(FakeBroadcaster.Status(HttpStatusCode.TooManyRequests, TimeSpan.FromSeconds(retryAfterSeconds)), TimeSpan.FromSeconds(30)));

    [Fact]
    public void RetryAfterDelay_NoRetryAfter_LeavesTheBackoffToPolly() =>
        Assert.Null(RelayPipelines.RetryAfterDelay(FakeBroadcaster.Status(HttpStatusCode.ServiceUnavailable), TimeSpan.FromSeconds(30)));

    [Fact]
    public async Task Registered_FromConfiguration_UsesRelayDeliveryOptionsAndCountsRetries()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
            ["Relay:WebhookSecret"] = "test-secret",
            ["Relay:Delivery:MaxAttempts"] = "3",
        });
        builder.Services.AddSingleton<TimeProvider>(_time);
        builder.AddDashboardCore();
        builder.AddEventGridRelay();
        builder.AddRelayDelivery();
        using var host = builder.Build();
        var pipeline = host.Services.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline(RelayPipelines.Delivery);
        var attempts = 0;

        var run = pipeline.ExecuteAsync(_ =>
        {
            attempts++;
            throw FakeBroadcaster.Status(HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(1));
        }).AsTask();
        for (var i = 0; i < 2; i++)
        {
            _time.Advance(await NextTimerOtherThanAsync(TimeSpan.FromSeconds(10))); // 10 s: Dashboard:ConnectionTimeout, the per-try timeout
        }

        await Assert.ThrowsAsync<SignalRRestException>(() => run);
        Assert.Equal(3, attempts);
        Assert.Equal(2, host.Services.GetRequiredService<RelayStats>().Snapshot().Retried);
    }

    private async Task<(int Attempts, List<TimeSpan> Delays)> RunAlwaysFailingAsync(RelayDeliveryOptions options, Func<Exception> error)
    {
        var pipeline = Build(options);
        var attempts = 0;
        var run = pipeline.ExecuteAsync(_ =>
        {
            attempts++;
            throw error();
        }).AsTask();

        var delays = new List<TimeSpan>();
        while (!run.IsCompleted)
        {
            var next = _time.NextTimerAsync(TimeSpan.FromSeconds(10)).ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : (TimeSpan?)null, TaskScheduler.Default);
            var done = await Task.WhenAny(run, next);
            if (done == run || await next is not { } due)
            {
                break;
            }

            if (due == AttemptTimeout || due < TimeSpan.Zero)
            {
                continue; // a try's timeout (or a parked pooled timer): not a wait between tries
            }

            delays.Add(due);
            _time.Advance(due);
        }

        await Assert.ThrowsAnyAsync<Exception>(() => run);
        return (attempts, delays);
    }

    private ResiliencePipeline Build(RelayDeliveryOptions options)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = _time };
        RelayPipelines.ConfigureDelivery(builder, options, new RelayDeliveryGate(_time));
        return builder.Build();
    }

    private async Task<TimeSpan> NextFiniteTimerAsync()
    {
        while (true)
        {
            var due = await _time.NextTimerAsync();
            if (due >= TimeSpan.Zero)
            {
                return due;
            }
        }
    }

    private async Task<TimeSpan> NextTimerOtherThanAsync(TimeSpan ignored)
    {
        while (true)
        {
            var due = await _time.NextTimerAsync();
            if (due != ignored && due >= TimeSpan.Zero)
            {
                return due;
            }
        }
    }
}
