using FunctionsDashboard.Health;
using FunctionsDashboard.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace FunctionsDashboard.Tests.Health;

public sealed class StartupServiceTests
{
    private readonly ObservableFakeTime _time = new();
    private readonly Readiness _readiness = new();

    [Fact]
    public async Task Start_StepFailsTwiceThenSucceeds_BecomesReadyOnlyAfterItSucceeds()
    {
        var step = new FlakyStep(failures: 2);
        using var sut = CreateSut(step);

        await sut.StartAsync(CancellationToken.None);

        // First try failed: not ready, the reason says why, and a retry delay (capped) is pending.
        var delay = await _time.NextTimerAsync();
        Assert.False(_readiness.IsReady);
        Assert.Contains("storage down", _readiness.Reason, StringComparison.Ordinal);
        Assert.InRange(delay, TimeSpan.Zero, StartupService.MaxRetryDelay);
        _time.Advance(delay);

        delay = await _time.NextTimerAsync();
        Assert.False(_readiness.IsReady);
        _time.Advance(delay);

        await _readiness.WhenReady.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(_readiness.IsReady);
        Assert.Null(_readiness.Reason);
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

    private StartupService CreateSut(params IStartupStep[] steps) =>
        new([], steps, _readiness, _time, NullLogger<StartupService>.Instance);

    private sealed class FlakyStep(int failures) : IStartupStep
    {
        public int Attempts { get; private set; }

        public string Name => "storage";

        public Task RunAsync(CancellationToken cancellationToken)
        {
            Attempts++;
            return Attempts <= failures ? Task.FromException(new InvalidOperationException("storage down")) : Task.CompletedTask;
        }
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
