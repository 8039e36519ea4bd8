using FunctionsDashboard.Connections;
using FunctionsDashboard.Health;
using FunctionsDashboard.SignalR;
using Microsoft.Extensions.Time.Testing;

namespace FunctionsDashboard.Tests.Connections;

public sealed class NegotiatorTests
{
    private const string ConnectionString = "Endpoint=https://dash.service.signalr.net;AccessKey=ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH;Version=1.0;";
    private readonly Readiness _readiness = new();

    [Fact]
    public void Negotiate_NotReady_Is503WithRetryAfter()
    {
        var outcome = CreateSut(allowAnonymous: true).Negotiate(null, "https://app/api/events");

        Assert.Equal(503, outcome.Status);
        Assert.Null(outcome.Response);
        Assert.Equal(Negotiator.NotReadyRetryAfter, outcome.RetryAfter);
        Assert.Contains("starting", outcome.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Negotiate_ReadyWithPrincipal_GivesClientUrlTokenAndSseUrl()
    {
        _readiness.MarkReady();

        var outcome = CreateSut(allowAnonymous: false).Negotiate("alice", "https://app/api/events");

        Assert.Equal(200, outcome.Status);
        Assert.Equal("https://dash.service.signalr.net/client/?hub=dashboard", outcome.Response!.Url);
        Assert.Equal("https://app/api/events", outcome.Response.SseUrl);
        var token = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(outcome.Response.AccessToken);
        Assert.Equal("alice", token.GetClaim("nameid").Value);
    }

    [Fact]
    public void Negotiate_AnonymousNotAllowed_Is401()
    {
        _readiness.MarkReady();

        var outcome = CreateSut(allowAnonymous: false).Negotiate(null, "https://app/api/events");

        Assert.Equal(401, outcome.Status);
    }

    [Fact]
    public void Negotiate_AnonymousAllowed_GivesAnAnonymousUser()
    {
        _readiness.MarkReady();

        var outcome = CreateSut(allowAnonymous: true).Negotiate(null, "https://app/api/events");

        var token = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(outcome.Response!.AccessToken);
        Assert.StartsWith("anonymous-", token.GetClaim("nameid").Value, StringComparison.Ordinal);
    }

    private Negotiator CreateSut(bool allowAnonymous)
    {
        var options = Microsoft.Extensions.Options.Options.Create(new SignalROptions { ConnectionString = ConnectionString, AllowAnonymous = allowAnonymous });
        return new Negotiator(_readiness, new SignalRTokenService(options, new FakeTimeProvider()), options);
    }
}
