using FunctionsDashboard.Diagnostics;

namespace FunctionsDashboard.Tests.Diagnostics;

/// <summary>The verdicts of <see cref="UpstreamArrivalCheck"/> and <see cref="EventGridCheck"/> on given activity views.</summary>
public sealed class UpstreamArrivalCheckTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Stale = TimeSpan.FromSeconds(90);
    private const string Origin = "https://app.example.net";

    [Fact]
    public void Evaluate_NoNegotiate_OkNothingToJudge()
    {
        var result = UpstreamArrivalCheck.Evaluate(View(Instance("a")), Now, Stale, "dashboard", Origin);

        Assert.Equal(DiagnosticStatus.Ok, result.Status);
        Assert.Contains("nothing to judge", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_NegotiateOlderThanStale_NoConnectedEver_FailsWithTemplate()
    {
        var result = UpstreamArrivalCheck.Evaluate(View(Instance("a", negotiates: 3, unanswered: [Now.AddSeconds(-100), Now.AddSeconds(-20)])), Now, Stale, "dashboard", Origin);

        Assert.Equal(DiagnosticStatus.Fail, result.Status);
        Assert.Contains("https://app.example.net/api/signalr/upstream?code=<function key of SignalRUpstream>", result.Hint, StringComparison.Ordinal);
        Assert.Contains("'dashboard'", result.Hint, StringComparison.Ordinal);
        Assert.Contains("never", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_NegotiateWithinStale_OkWaiting()
    {
        var result = UpstreamArrivalCheck.Evaluate(View(Instance("a", negotiates: 1, unanswered: [Now.AddSeconds(-30)])), Now, Stale, "dashboard", Origin);

        Assert.Equal(DiagnosticStatus.Ok, result.Status);
        Assert.Contains("waiting", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_ConnectedOnAnotherInstanceAfterTheNegotiate_Ok()
    {
        var a = Instance("a", negotiates: 1, unanswered: [Now.AddMinutes(-5)]);
        var b = Instance("b", connected: 1, lastConnected: Now.AddMinutes(-5).AddSeconds(1));

        Assert.Equal(DiagnosticStatus.Ok, UpstreamArrivalCheck.Evaluate(View(a, b), Now, Stale, "dashboard", Origin).Status);
    }

    [Fact]
    public void Evaluate_OtherInstanceLagsAMinute_ConnectedWrittenBeforeTheNegotiate_StillOk()
    {
        // b's row is written at most once a minute: its last connected may be up to a minute older than the truth.
        var a = Instance("a", negotiates: 1, unanswered: [Now.AddMinutes(-5)]);
        var b = Instance("b", connected: 4, lastConnected: Now.AddMinutes(-5).AddSeconds(-50));

        Assert.Equal(DiagnosticStatus.Ok, UpstreamArrivalCheck.Evaluate(View(a, b), Now, Stale, "dashboard", Origin).Status);
    }

    [Fact]
    public void Evaluate_UpstreamBrokeAfterWorking_FailsOnceANegotiateIsStaleAndAMinutePastTheLastConnected()
    {
        var a = Instance("a", negotiates: 9, connected: 5, lastConnected: Now.AddMinutes(-10),
            unanswered: [Now.AddMinutes(-9.5), Now.AddMinutes(-8), Now.AddMinutes(-1)]);

        Assert.Equal(DiagnosticStatus.Fail, UpstreamArrivalCheck.Evaluate(View(a), Now, Stale, "dashboard", Origin).Status);
    }

    [Fact]
    public void EventGrid_NeverSeen_Fails_Recent_Ok_Quiet_Warns()
    {
        var quiet = TimeSpan.FromDays(1);

        var never = EventGridCheck.Evaluate(View(Instance("a")), Now, quiet, Origin);
        var recent = EventGridCheck.Evaluate(View(Instance("a"), Instance("b", handshake: Now.AddHours(-2))), Now, quiet, Origin);
        var old = EventGridCheck.Evaluate(View(Instance("a", delivery: Now.AddDays(-3))), Now, quiet, Origin);

        Assert.Equal(DiagnosticStatus.Fail, never.Status);
        Assert.Contains("https://app.example.net/api/eventgrid?code=<Relay:WebhookSecret>", never.Hint, StringComparison.Ordinal);
        Assert.Equal(DiagnosticStatus.Ok, recent.Status);
        Assert.Equal(DiagnosticStatus.Warn, old.Status);
    }

    private static ActivityView View(params InstanceActivity[] instances) => new(instances, null);

    private static InstanceActivity Instance(
        string name, long negotiates = 0, long connected = 0, DateTimeOffset? lastConnected = null,
        IReadOnlyList<DateTimeOffset>? unanswered = null, DateTimeOffset? handshake = null, DateTimeOffset? delivery = null) =>
        new(name, Now, negotiates, connected, negotiates > 0 ? (unanswered is { Count: > 0 } u ? u[^1] : Now.AddMinutes(-20)) : null,
            unanswered ?? [], lastConnected, handshake, delivery);
}
