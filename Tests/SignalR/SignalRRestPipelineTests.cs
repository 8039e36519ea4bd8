using System.Net;
using FunctionsDashboard.SignalR;
using Polly.Timeout;

namespace FunctionsDashboard.Tests.SignalR;

public sealed class SignalRRestPipelineTests
{
    [Theory]
    [InlineData(HttpStatusCode.InternalServerError, true, false)] // the Service answers 500 when a send timed out, maybe after delivery
    [InlineData(HttpStatusCode.InternalServerError, false, true)]
    [InlineData(HttpStatusCode.RequestTimeout, true, true)]
    [InlineData(HttpStatusCode.RequestTimeout, false, true)]
    [InlineData(HttpStatusCode.TooManyRequests, true, true)]
    [InlineData(HttpStatusCode.TooManyRequests, false, true)]
    [InlineData(HttpStatusCode.BadGateway, true, true)]
    [InlineData(HttpStatusCode.ServiceUnavailable, true, true)]
    [InlineData(HttpStatusCode.GatewayTimeout, true, true)]
    [InlineData(HttpStatusCode.BadGateway, false, true)]
    [InlineData(HttpStatusCode.BadRequest, true, false)]
    [InlineData(HttpStatusCode.BadRequest, false, false)]
    [InlineData(HttpStatusCode.Unauthorized, true, false)]
    [InlineData(HttpStatusCode.Unauthorized, false, false)]
    [InlineData(HttpStatusCode.NotFound, true, false)]
    [InlineData(HttpStatusCode.NotFound, false, false)]
    public void IsRetryable_ByStatusAndKind_AsTheSdk(HttpStatusCode status, bool isSend, bool expected)
    {
        Assert.Equal(expected, SignalRRestPipeline.IsRetryable(new SignalRRestException(status, "answer"), isSend));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void IsRetryable_TimeoutOrNetworkError_Retried(bool isSend)
    {
        Assert.True(SignalRRestPipeline.IsRetryable(new TimeoutRejectedException(), isSend));
        Assert.True(SignalRRestPipeline.IsRetryable(new HttpRequestException("connection refused"), isSend));
    }

    [Fact]
    public void IsRetryable_OtherExceptionOrSuccess_NotRetried()
    {
        Assert.False(SignalRRestPipeline.IsRetryable(new InvalidOperationException(), isSend: false));
        Assert.False(SignalRRestPipeline.IsRetryable(null, isSend: true));
    }
}
