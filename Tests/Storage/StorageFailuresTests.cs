using Azure;
using FunctionsDashboard.Relay;
using FunctionsDashboard.Storage;
using Polly.Timeout;

namespace FunctionsDashboard.Tests.Storage;

public sealed class StorageFailuresTests
{
    [Theory]
    [InlineData(503, true)]
    [InlineData(500, true)]
    [InlineData(429, true)]
    [InlineData(408, true)]
    [InlineData(0, true)]
    [InlineData(400, false)]
    [InlineData(403, false)]
    [InlineData(404, false)]
    [InlineData(409, false)]
    [InlineData(412, false)]
    public void IsTransient_ByStatus(int status, bool transient)
    {
        Assert.Equal(transient, StorageFailures.IsTransient(new RequestFailedException(status, "x")));
    }

    [Fact]
    public void IsTransient_TimeoutsAndNetworkYes_BacklogAndDefectsNo()
    {
        Assert.True(StorageFailures.IsTransient(new TimeoutRejectedException()));
        Assert.True(StorageFailures.IsTransient(new TimeoutException()));
        Assert.True(StorageFailures.IsTransient(new HttpRequestException("reset")));
        Assert.True(StorageFailures.IsTransient(new IOException("reset")));
        Assert.True(StorageFailures.IsTransient(new AggregateException(new RequestFailedException(503, "busy"), new TimeoutException())));
        Assert.False(StorageFailures.IsTransient(new AggregateException(new RequestFailedException(503, "busy"), new RequestFailedException(400, "bad"))));
        Assert.False(StorageFailures.IsTransient(new EventLogUnavailableException("backlog")));
        Assert.False(StorageFailures.IsTransient(new InvalidOperationException()));
        Assert.False(StorageFailures.IsTransient(null));
    }

    [Theory]
    [InlineData(404, true)]
    [InlineData(409, true)]
    [InlineData(412, true)]
    [InlineData(400, false)]
    [InlineData(503, false)]
    public void IsConcurrencyRace_ByStatus(int status, bool race)
    {
        Assert.Equal(race, StorageFailures.IsConcurrencyRace(new RequestFailedException(status, "x")));
    }
}
