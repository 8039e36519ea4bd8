using FunctionsDashboard.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;

namespace FunctionsDashboard.Tests.Diagnostics;

/// <summary><see cref="SelfCheck"/>: every check at once, each bounded in time, failures reported without their text.</summary>
public sealed class SelfCheckTests
{
    private readonly ObservableFakeTime _time = new();

    [Fact]
    public async Task RunAsync_ReportsInRegistrationOrder_WorstStatusWins()
    {
        var sut = CreateSut(new FixedCheck("a", DiagnosticStatus.Ok), new FixedCheck("b", DiagnosticStatus.Warn), new FixedCheck("c", DiagnosticStatus.Ok));

        var report = await sut.RunAsync(new DiagnosticsContext("http://x"), default);

        Assert.Equal(["a", "b", "c"], report.Checks.Select(c => c.Name));
        Assert.Equal(DiagnosticStatus.Warn, report.Status);
        Assert.Equal(_time.GetUtcNow(), report.CheckedAt);
    }

    [Fact]
    public async Task RunAsync_ACheckThatNeverEnds_FailsWhenItsTimeIsUp_OthersStillReport()
    {
        var sut = CreateSut(new HangingCheck(), new FixedCheck("quick", DiagnosticStatus.Ok));

        var run = sut.RunAsync(new DiagnosticsContext("http://x"), default);
        await _time.NextTimerAsync(); // the check's time budget is running
        _time.Advance(DiagnosticsOptions.DefaultCheckTimeout);
        var report = await run.WaitAsync(TimeSpan.FromSeconds(10));

        var hanging = report.Checks[0];
        Assert.Equal(DiagnosticStatus.Fail, hanging.Status);
        Assert.Contains("did not finish within 00:00:05", hanging.Detail, StringComparison.Ordinal);
        Assert.Equal(DiagnosticStatus.Ok, report.Checks[1].Status);
    }

    [Fact]
    public async Task RunAsync_ACheckThatThrows_FailsNamingTheTypeOnly()
    {
        var sut = CreateSut(new ThrowingCheck());

        var report = await sut.RunAsync(new DiagnosticsContext("http://x"), default);

        var result = Assert.Single(report.Checks);
        Assert.Equal(DiagnosticStatus.Fail, result.Status);
        Assert.Contains(nameof(InvalidOperationException), result.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("AccountKey=secret", result.Detail + result.Hint, StringComparison.Ordinal);
    }

    private SelfCheck CreateSut(params IDiagnosticCheck[] checks) =>
        new(checks, Microsoft.Extensions.Options.Options.Create(new DiagnosticsOptions()), _time, NullLogger<SelfCheck>.Instance);

    private sealed class FixedCheck(string name, DiagnosticStatus status) : IDiagnosticCheck
    {
        public string Name => name;

        public Task<DiagnosticCheckResult> RunAsync(DiagnosticsContext context, CancellationToken cancellationToken) =>
            Task.FromResult(new DiagnosticCheckResult(name, status, "fixed"));
    }

    private sealed class HangingCheck : IDiagnosticCheck
    {
        public string Name => "hanging";

        public async Task<DiagnosticCheckResult> RunAsync(DiagnosticsContext context, CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return DiagnosticCheckResult.Ok(Name, "never");
        }
    }

    private sealed class ThrowingCheck : IDiagnosticCheck
    {
        public string Name => "throwing";

        public Task<DiagnosticCheckResult> RunAsync(DiagnosticsContext context, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("connection failed for DefaultEndpointsProtocol=http;AccountKey=secret");
    }
}
