using FunctionsDashboard.Diagnostics;

namespace FunctionsDashboard.Tests.Diagnostics;

/// <summary>The clock comparison of <see cref="ClockSkewCheck"/>: whole-second Date headers, round trip accounted for.</summary>
public sealed class ClockSkewCheckTests
{
    private static readonly DateTimeOffset Sent = new(2026, 12, 1, 12, 0, 0, 200, TimeSpan.Zero);
    private static readonly DateTimeOffset Received = Sent.AddMilliseconds(100);

    [Theory]
    [InlineData(0, DiagnosticStatus.Ok)]
    [InlineData(-1, DiagnosticStatus.Ok)]
    [InlineData(20, DiagnosticStatus.Ok)]
    [InlineData(45, DiagnosticStatus.Warn)]
    [InlineData(-45, DiagnosticStatus.Warn)]
    [InlineData(600, DiagnosticStatus.Fail)]
    [InlineData(-600, DiagnosticStatus.Fail)]
    public void Evaluate_StorageClockOffBySeconds_Status(int storageAheadSeconds, DiagnosticStatus expected)
    {
        // The server stamps whole seconds: truncate what its clock said at the middle of the request.
        var serverNow = Sent.AddMilliseconds(50).AddSeconds(storageAheadSeconds);
        var date = new DateTimeOffset(serverNow.Ticks - (serverNow.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);

        var result = ClockSkewCheck.Evaluate(date, Sent, Received);

        Assert.Equal(expected, result.Status);
        Assert.Equal(ClockSkewCheck.CheckName, result.Name);
    }

    [Fact]
    public void Evaluate_AppAhead_SaysAhead()
    {
        var result = ClockSkewCheck.Evaluate(Sent.AddMinutes(-10), Sent, Received);

        Assert.Contains("ahead of", result.Detail, StringComparison.Ordinal);
        Assert.NotNull(result.Hint);
    }

    [Fact]
    public void Evaluate_NoDateHeader_Warns() =>
        Assert.Equal(DiagnosticStatus.Warn, ClockSkewCheck.Evaluate(null, Sent, Received).Status);
}
