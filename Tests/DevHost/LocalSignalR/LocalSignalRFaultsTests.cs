using FunctionsDashboard.DevHost.LocalSignalR;

namespace FunctionsDashboard.Tests.DevHost.LocalSignalR;

/// <summary>The fault dice and settings validation of the local SignalR Service, without a server.</summary>
public sealed class LocalSignalRFaultsTests
{
    [Fact]
    public void DrawRestFault_SameSeed_SameSequence()
    {
        var settings = new LocalSignalRFaultSettings { ErrorRate = 0.3, TooManyRequestsRate = 0.2, FailAfterDeliveryRate = 0.1, Seed = 11 };

        Assert.Equal(Draw(CreateSut(settings), 50), Draw(CreateSut(settings), 50));
    }

    [Fact]
    public void DrawRestFault_Rates_ShareOutTheCalls()
    {
        var draws = Draw(CreateSut(new LocalSignalRFaultSettings { ErrorRate = 0.25, TooManyRequestsRate = 0.25, FailAfterDeliveryRate = 0.25, Seed = 5 }), 4000);

        Assert.InRange(draws.Count(d => d == RestFault.TooManyRequests), 850, 1150);
        Assert.InRange(draws.Count(d => d is RestFault.Error500 or RestFault.Error502 or RestFault.Error503 or RestFault.Error504), 850, 1150);
        Assert.InRange(draws.Count(d => d == RestFault.FailAfterDelivery), 850, 1150);
        Assert.InRange(draws.Count(d => d == RestFault.None), 850, 1150);
    }

    [Fact]
    public void DrawRestFault_ScopeSends_ManagementCallsNeverFail()
    {
        var sut = CreateSut(new LocalSignalRFaultSettings { ErrorRate = 1 });

        Assert.Equal(RestFault.None, sut.DrawRestFault(isSend: false));
        Assert.NotEqual(RestFault.None, sut.DrawRestFault(isSend: true));
    }

    [Fact]
    public void DrawDropUpstream_OnlyListedEvents()
    {
        var sut = CreateSut(new LocalSignalRFaultSettings { DropUpstreamRate = 1, DropUpstreamEvents = ["disconnected"] });

        Assert.True(sut.DrawDropUpstream("disconnected"));
        Assert.False(sut.DrawDropUpstream("connected"));
        Assert.False(sut.DrawDropUpstream("heartbeat"));
    }

    [Fact]
    public void DrawDropUpstream_NoEventsListed_EveryEvent()
    {
        var sut = CreateSut(new LocalSignalRFaultSettings { DropUpstreamRate = 1 });

        Assert.True(sut.DrawDropUpstream("connected"));
        Assert.True(sut.DrawDropUpstream("heartbeat"));
    }

    [Theory]
    [InlineData(-0.1, 0, 0, 1)]
    [InlineData(1.1, 0, 0, 1)]
    [InlineData(0.5, 0.5, 0.5, 1)]
    [InlineData(0, 0, 0, -1)]
    [InlineData(0, 0, 0, 4000)]
    public void Validate_OutOfRange_NamesTheSetting(double errorRate, double tooManyRequestsRate, double failAfterDeliveryRate, int retryAfterSeconds)
    {
        var settings = new LocalSignalRFaultSettings
        {
            ErrorRate = errorRate,
            TooManyRequestsRate = tooManyRequestsRate,
            FailAfterDeliveryRate = failAfterDeliveryRate,
            RetryAfterSeconds = retryAfterSeconds,
        };

        Assert.Contains(settings.Validate(), f => f.StartsWith("LocalSignalR:Faults:", StringComparison.Ordinal));
        Assert.Throws<ArgumentException>(() => CreateSut(new LocalSignalRFaultSettings()).Set(settings));
    }

    [Fact]
    public async Task WaitForCountersAsync_CompletesWhenTheCountArrives()
    {
        var sut = CreateSut(new LocalSignalRFaultSettings());
        var wait = sut.WaitForCountersAsync(c => c.Dropped("disconnected") == 1, CancellationToken.None);
        Assert.False(wait.IsCompleted);

        sut.CountUpstreamDropped("disconnected");

        await wait.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static LocalSignalRFaults CreateSut(LocalSignalRFaultSettings settings) =>
        new(Microsoft.Extensions.Options.Options.Create(new LocalSignalROptions { Faults = settings }));

    private static List<RestFault> Draw(LocalSignalRFaults sut, int count) =>
        Enumerable.Range(0, count).Select(_ => sut.DrawRestFault(isSend: true)).ToList();
}
