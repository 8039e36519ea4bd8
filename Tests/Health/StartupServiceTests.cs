using Azure;
using FunctionsDashboard.Health;
using Microsoft.Extensions.Logging.Abstractions;

namespace FunctionsDashboard.Tests.Health;

public sealed class StartupServiceTests
{
    private readonly ObservableFakeTime _time = new();
    private readonly Readiness _readiness = new();
    private readonly StartupOptions _options = new();

    [Fact]
    public async Task Start_StepFailsTwiceThenSucceeds_BecomesReadyOnlyAfterItSucceeds()
    {
        var step = new FlakyStep(failures: 2, () => new InvalidOperationException("storage down"));
        using var sut = CreateSut(step);

        await sut.StartAsync(CancellationToken.None);

        // First try failed: not ready, the reason says why, and a retry delay (capped) is pending.
        var delay = await NextRetryDelayAsync();
        Assert.False(_readiness.IsReady);
        Assert.Contains("storage down", _readiness.Reason, StringComparison.Ordinal);
        Assert.InRange(delay, TimeSpan.Zero, _options.MaxRetryDelay);
        Assert.InRange(_readiness.RetryAfter!.Value - delay, TimeSpan.FromMilliseconds(-1), TimeSpan.FromMilliseconds(1)); // the timer has ms resolution
        _time.Advance(delay);

        delay = await NextRetryDelayAsync();
        Assert.False(_readiness.IsReady);
        _time.Advance(delay);

        await _readiness.WhenReady.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(_readiness.IsReady);
        Assert.Null(_readiness.Reason);
        Assert.Null(_readiness.RetryAfter);
        Assert.Equal(3, step.Attempts);
        await sut.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Start_StepsRunInOrder_ReadyAfterTheLast()
    {
        var order = new List<string>();
        using var sut = CreateSut(new RecordingStep("catalog", order), new RecordingStep("storage", order));

        await sut.StartAsync(CancellationToken.None);
        await _readiness.WhenReady.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(["catalog", "storage"], order);
        await sut.StopAsync(CancellationToken.None);
    }

    [Fact]
    public void NewReadiness_IsNotReady()
    {
        Assert.False(_readiness.IsReady);
        Assert.False(_readiness.WhenReady.IsCompleted);
        Assert.Equal("starting", _readiness.Reason);
    }

    /// <summary>Issue #14 item 2: the SDK's network timeout (a TaskCanceledException) was not retried, and the host exited.</summary>
    [Fact]
    public async Task Start_SdkTimeoutsFor30Seconds_RetriesWithCappedJitteredBackoffAndBecomesReady_Issue14()
    {
        _options.MaxRetryDelay = TimeSpan.FromSeconds(4);
        var outageEnds = _time.GetUtcNow() + TimeSpan.FromSeconds(30);
        var step = new FlakyStep(() => _time.GetUtcNow() < outageEnds, () => new TaskCanceledException("The operation was canceled.", new TimeoutException()));
        using var sut = CreateSut(step);

        await sut.StartAsync(CancellationToken.None);
        var delays = new List<TimeSpan>();
        var next = NextRetryDelayAsync();
        while (await Task.WhenAny(_readiness.WhenReady, next) == next)
        {
            var delay = await next;
            Assert.False(_readiness.IsReady);
            Assert.Contains("did not answer in time", _readiness.Reason, StringComparison.Ordinal);
            delays.Add(delay);
            _time.Advance(delay);
            next = NextRetryDelayAsync();
        }

        Assert.True(sut.ExecuteTask is { IsFaulted: false });
        Assert.True(step.Attempts >= 8, $"only {step.Attempts} tries in 30 s");
        Assert.All(delays, d => Assert.InRange(d, TimeSpan.Zero, _options.MaxRetryDelay));
        Assert.Contains(_options.MaxRetryDelay, delays); // reached the cap and stayed there
        TimeSpan[] unjittered = [TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)];
        Assert.NotEqual(unjittered, delays.Take(4)); // jittered, not the bare doubling
        await sut.StopAsync(CancellationToken.None);
        Assert.True(sut.ExecuteTask is { IsFaulted: false, IsCanceled: false });
    }

    [Fact]
    public async Task Start_TryHangsPastAttemptTimeout_IsCancelledAndTriedAgain()
    {
        _options.AttemptTimeout = TimeSpan.FromSeconds(20);
        var step = new HangingOnceStep();
        using var sut = CreateSut(step);

        await sut.StartAsync(CancellationToken.None);
        await _time.NextTimerAsync(); // the first try is running (its timeout armed)
        _time.Advance(_options.AttemptTimeout);
        var delay = await NextRetryDelayAsync();
        Assert.Contains("did not finish within", _readiness.Reason, StringComparison.Ordinal);
        _time.Advance(delay);

        await _readiness.WhenReady.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(2, step.Attempts);
        await sut.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Stop_WhileRetrying_EndsWithoutFault()
    {
        var step = new FlakyStep(() => true, () => new RequestFailedException(503, "Service Unavailable", "ServerBusy", null));
        using var sut = CreateSut(step);

        await sut.StartAsync(CancellationToken.None);
        await NextRetryDelayAsync();
        Assert.Contains("storage answered 503 ServerBusy", _readiness.Reason, StringComparison.Ordinal);
        await sut.StopAsync(CancellationToken.None);

        Assert.False(_readiness.IsReady);
        Assert.True(sut.ExecuteTask is { IsFaulted: false });
    }

    [Fact]
    public void Describe_LongMultiLineMessage_OneBoundedLine()
    {
        var reason = StartupService.Describe(new InvalidOperationException(new string('x', 5000) + "\nStack: secret"), TimeSpan.FromMinutes(1));

        Assert.DoesNotContain("\n", reason, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", reason, StringComparison.Ordinal);
        Assert.True(reason.Length < StartupService.MaxReasonLength + 32, reason);
    }

    /// <summary>The next timer that is a retry delay (each try also arms its attempt timeout).</summary>
    private async Task<TimeSpan> NextRetryDelayAsync()
    {
        while (true)
        {
            var due = await _time.NextTimerAsync();
            if (due != _options.AttemptTimeout && due != Timeout.InfiniteTimeSpan)
            {
                return due;
            }
        }
    }

    private StartupService CreateSut(params IStartupStep[] steps) =>
        new([], steps, _readiness, Microsoft.Extensions.Options.Options.Create(_options), _time, NullLogger<StartupService>.Instance);

    private sealed class FlakyStep(Func<bool> fails, Func<Exception> error) : IStartupStep
    {
        public FlakyStep(int failures, Func<Exception> error)
            : this(new Counter(failures).Next, error)
        {
        }

        public int Attempts { get; private set; }

        public string Name => "storage";

        public Task RunAsync(CancellationToken cancellationToken)
        {
            Attempts++;
            return fails() ? Task.FromException(error()) : Task.CompletedTask;
        }

        private sealed class Counter(int failures)
        {
            private int _calls;

            public bool Next() => ++_calls <= failures;
        }
    }

    private sealed class HangingOnceStep : IStartupStep
    {
        public int Attempts { get; private set; }

        public string Name => "storage";

        public Task RunAsync(CancellationToken cancellationToken) =>
            ++Attempts == 1 ? Task.Delay(Timeout.Infinite, cancellationToken) : Task.CompletedTask;
    }

    private sealed class RecordingStep(string name, List<string> order) : IStartupStep
    {
        public string Name => name;

        public Task RunAsync(CancellationToken cancellationToken)
        {
            order.Add(name);
            return Task.CompletedTask;
        }
    }
}
