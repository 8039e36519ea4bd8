using System.Net;
using System.Text;
using FunctionsDashboard.SignalR;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace FunctionsDashboard.Tests.SignalR;

/// <summary>The SDK's key schedule under Entra: refresh after 55 min, retry a failure after 5 min, drop a key at 120 min.</summary>
public sealed class SignalREntraAccessKeyTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly KeyEndpoint _endpoint = new();

    [Fact]
    public async Task Current_RefreshedAfter55Minutes_FailureRetriedAfter5Minutes_KeyDroppedAt120Minutes_Issue13()
    {
        var sut = CreateSut();
        await sut.RefreshAsync(CancellationToken.None);
        Assert.Equal("key-1", sut.Current.KeyId);

        _time.Advance(TimeSpan.FromMinutes(54));
        Assert.Equal("key-1", sut.Current.KeyId);
        Assert.Equal(1, _endpoint.Calls);

        _time.Advance(TimeSpan.FromMinutes(2)); // 56 min: due; the old key still serves while the new one is fetched
        Assert.Equal("key-1", sut.Current.KeyId);
        await Eventually.WaitAsync(() => Task.FromResult(sut.Current.KeyId), id => id == "key-2", TimeSpan.FromSeconds(10), "the refreshed key");

        _endpoint.Fail = true;
        _time.Advance(TimeSpan.FromMinutes(56));
        _ = sut.Current; // starts a refresh, which fails
        await Eventually.WaitAsync(() => Task.FromResult(_endpoint.Calls), c => c == 3, TimeSpan.FromSeconds(10), "the failed refresh");
        _time.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal("key-2", sut.Current.KeyId); // within 5 min of the failure: no new attempt
        await Task.Yield();
        Assert.Equal(3, _endpoint.Calls);

        _time.Advance(TimeSpan.FromMinutes(61)); // key-2 is now 121 min old
        Assert.Throws<SignalRAuthUnavailableException>(() => sut.Current);
        Assert.Equal(SignalREntraAccessKey.Scope, Assert.Single(_credential.Scopes.Distinct()));
    }

    private readonly FakeEntraCredential _credential = new("local-entra-signing-key-for-tests-0123456789", "oid-1");

    private SignalREntraAccessKey CreateSut() => new(
        new HttpClient(_endpoint),
        new SignalRCredential(_credential),
        Microsoft.Extensions.Options.Options.Create(new SignalROptions { ConnectionString = "Endpoint=https://x.service.signalr.net;AuthType=azure.msi;Version=1.0;" }),
        _time,
        NullLogger<SignalREntraAccessKey>.Instance);

    private sealed class KeyEndpoint : HttpMessageHandler
    {
        private int _calls;

        public bool Fail { get; set; }

        public int Calls => Volatile.Read(ref _calls);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var n = Interlocked.Increment(ref _calls);
            Assert.Equal("https://x.service.signalr.net/api/v1/auth/accessKey", request.RequestUri!.AbsoluteUri);
            Assert.Equal("Bearer", request.Headers.Authorization?.Scheme);
            return Task.FromResult(Fail
                ? new HttpResponseMessage(HttpStatusCode.ServiceUnavailable)
                : new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent($$"""{"KeyId":"key-{{n}}","AccessKey":"issued-key-{{n}}-0123456789abcdefghijklmnop"}""", Encoding.UTF8, "application/json") });
        }
    }
}
