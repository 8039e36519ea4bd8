using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text.Json;
using System.Threading.Channels;
using FunctionsDashboard.DevHost.Hosting;
using FunctionsDashboard.DevHost.LocalSignalR;
using FunctionsDashboard.SignalR;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace FunctionsDashboard.Tests.DevHost.LocalSignalR;

/// <summary>
/// The client side of DevHost's local SignalR Service with a real .NET <see cref="HubConnection"/>: negotiate and
/// transports with strict token checks, upstream <c>connected</c>/<c>disconnected</c>/invocations with the
/// <c>X-ASRS-*</c> headers and signature, completions from the upstream's answer.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class LocalSignalRClientTests(AzuriteFixture azurite)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Connect_ValidToken_UpstreamConnectedWithHeadersAndValidSignature()
    {
        await using var harness = await LocalSignalRHarness.StartAsync(azurite);
        var client = harness.CreateClient("alice", claims: [new Claim("role", "ops")]);

        await client.StartAsync();
        var call = await harness.Upstream.WaitForAsync("connected", client.ConnectionId!);

        Assert.Equal("dashboard", call.Headers["X-ASRS-Hub"]);
        Assert.Equal("connections", call.Headers["X-ASRS-Category"]);
        Assert.Equal("alice", call.Headers["X-ASRS-User-Id"]);
        Assert.Contains("nameid: alice", call.Headers["X-ASRS-User-Claims"].Split(", "));
        Assert.Contains("role: ops", call.Headers["X-ASRS-User-Claims"].Split(", "));
        Assert.StartsWith("?", call.Headers["X-ASRS-Client-Query"], StringComparison.Ordinal);
        Assert.Contains("hub=dashboard", call.Headers["X-ASRS-Client-Query"], StringComparison.Ordinal);
        Assert.True(UpstreamSignature.IsValid(client.ConnectionId, call.Headers["X-ASRS-Signature"], [DevHostServer.LocalAccessKey]));
        Assert.False(UpstreamSignature.IsValid("another-connection", call.Headers["X-ASRS-Signature"], [DevHostServer.LocalAccessKey]));
        // Signed with both keys, comma-separated, as the real Service does (issue 13): an app holding either key accepts it.
        Assert.Equal(UpstreamSignature.Compute(client.ConnectionId!, [DevHostServer.LocalAccessKey, LocalSignalROptions.DefaultSecondaryAccessKey]), call.Headers["X-ASRS-Signature"]);
        Assert.True(UpstreamSignature.IsValid(client.ConnectionId, call.Headers["X-ASRS-Signature"], [LocalSignalROptions.DefaultSecondaryAccessKey]));
        Assert.Equal("application/json", call.ContentType);
        Assert.Equal("""{"type":10}""", call.Body);
    }

    [Fact]
    public async Task Connect_TokenInTheSdkForm_NoPortInAudience_Accepted_Issue13()
    {
        await using var harness = await LocalSignalRHarness.StartAsync(azurite);
        var withoutPort = new UriBuilder(harness.ClientUrl()) { Port = -1 }.Uri.AbsoluteUri;
        var token = SdkToken(withoutPort, DevHostServer.LocalAccessKey);
        var client = harness.CreateClient(token: token);

        await client.StartAsync();

        Assert.Equal(HubConnectionState.Connected, client.State);
    }

    [Fact]
    public async Task Connect_TokenSignedWithTheSecondaryKey_Accepted_Issue13()
    {
        await using var harness = await LocalSignalRHarness.StartAsync(azurite);
        var client = harness.CreateClient(token: SdkToken(harness.ClientUrl(), LocalSignalROptions.DefaultSecondaryAccessKey));

        await client.StartAsync();

        Assert.Equal(HubConnectionState.Connected, client.State);
    }

    /// <summary>An HS256 token as Microsoft.Azure.SignalR mints it: aud as given, nameid, 1 h.</summary>
    internal static string SdkToken(string audience, string key) =>
        new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler().CreateToken(new Microsoft.IdentityModel.Tokens.SecurityTokenDescriptor
        {
            Audience = audience,
            Expires = DateTime.UtcNow.AddHours(1),
            Claims = new Dictionary<string, object> { ["nameid"] = "sdk-user" },
            SigningCredentials = new Microsoft.IdentityModel.Tokens.SigningCredentials(SignalRTokenService.SigningKey(key), Microsoft.IdentityModel.Tokens.SecurityAlgorithms.HmacSha256),
        });

    [Fact]
    public async Task Connect_NoUpstreamSetting_CallsDevHostsOwnUpstreamRoute()
    {
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString);
        var upstream = server.Services.GetRequiredService<LocalUpstreamCaller>();
        var faults = server.Services.GetRequiredService<LocalSignalRFaults>();
        var tokens = server.Services.GetRequiredService<SignalRTokenService>();
        await using var client = new HubConnectionBuilder()
            .WithUrl(tokens.ClientUrl("dashboard"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(tokens.CreateClientToken("dashboard", "alice")))
            .Build();

        await client.StartAsync();
        await faults.WaitForCountersAsync(c => c.Made("connected") == 1, CancellationToken.None).WaitAsync(Timeout);

        Assert.Equal(new Uri(server.BaseAddress, "/api/signalr/upstream").AbsoluteUri, upstream.UpstreamTemplate);
    }

    [Fact]
    public async Task Connect_AnonymousToken_NoUserIdHeader()
    {
        await using var harness = await LocalSignalRHarness.StartAsync(azurite);
        var client = harness.CreateClient(user: null);

        await client.StartAsync();
        var call = await harness.Upstream.WaitForAsync("connected", client.ConnectionId!);

        Assert.False(call.Headers.ContainsKey("X-ASRS-User-Id"));
    }

    [Fact]
    public async Task Connect_CustomUserIdClaim_WinsOverNameId()
    {
        await using var harness = await LocalSignalRHarness.StartAsync(azurite);
        var client = harness.CreateClient("alice", claims: [new Claim("asrs.s.uid", "custom-id")]);

        await client.StartAsync();
        var call = await harness.Upstream.WaitForAsync("connected", client.ConnectionId!);

        Assert.Equal("custom-id", call.Headers["X-ASRS-User-Id"]);
    }

    [Fact]
    public async Task Invoke_Heartbeat_ForwardedAsInvocationFrameAndUpstreamResultReturned()
    {
        await using var harness = await LocalSignalRHarness.StartAsync(azurite);
        harness.Upstream.Reply = call => call.Event == "heartbeat"
            ? (200, """{"type":3,"invocationId":"ignored","result":{"ok":true,"seq":7}}""" + "\u001e")
            : (200, null);
        var client = harness.CreateClient();
        await client.StartAsync();

        var result = await client.InvokeAsync<JsonElement>("heartbeat", 42).WaitAsync(Timeout);

        Assert.True(result.GetProperty("ok").GetBoolean());
        Assert.Equal(7, result.GetProperty("seq").GetInt32());
        var call = await harness.Upstream.WaitForAsync("heartbeat", client.ConnectionId!);
        Assert.Equal("messages", call.Category);
        Assert.Equal("application/json", call.ContentType);
        Assert.DoesNotContain('\u001e', call.Body);
        using var frame = JsonDocument.Parse(call.Body);
        Assert.Equal(1, frame.RootElement.GetProperty("type").GetInt32());
        Assert.Equal("heartbeat", frame.RootElement.GetProperty("target").GetString());
        Assert.False(string.IsNullOrEmpty(frame.RootElement.GetProperty("invocationId").GetString()));
        Assert.Equal(42, frame.RootElement.GetProperty("arguments")[0].GetInt32());
        Assert.True(UpstreamSignature.IsValid(client.ConnectionId, call.Headers["X-ASRS-Signature"], [DevHostServer.LocalAccessKey]));
    }

    [Fact]
    public async Task Send_Heartbeat_NonBlockingFrameForwardedWithoutInvocationId()
    {
        await using var harness = await LocalSignalRHarness.StartAsync(azurite);
        var client = harness.CreateClient();
        await client.StartAsync();

        await client.SendAsync("heartbeat");
        var call = await harness.Upstream.WaitForAsync("heartbeat", client.ConnectionId!);

        using var frame = JsonDocument.Parse(call.Body);
        Assert.False(frame.RootElement.TryGetProperty("invocationId", out _));
        Assert.Equal(0, frame.RootElement.GetProperty("arguments").GetArrayLength());
    }

    [Fact]
    public async Task Invoke_UpstreamAnswers500_CallerGetsInvocationFailed()
    {
        await using var harness = await LocalSignalRHarness.StartAsync(azurite);
        harness.Upstream.Reply = call => call.Event == "heartbeat" ? (500, null) : (200, null);
        var client = harness.CreateClient();
        await client.StartAsync();

        var error = await Assert.ThrowsAsync<HubException>(() => client.InvokeAsync<object?>("heartbeat").WaitAsync(Timeout));

        Assert.Contains("Invocation failed, status code 500", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invoke_UpstreamAnswersErrorCompletion_CallerGetsThatError()
    {
        await using var harness = await LocalSignalRHarness.StartAsync(azurite);
        harness.Upstream.Reply = call => call.Event == "heartbeat" ? (200, """{"type":3,"invocationId":"1","error":"not today"}""" + "\u001e") : (200, null);
        var client = harness.CreateClient();
        await client.StartAsync();

        var error = await Assert.ThrowsAsync<HubException>(() => client.InvokeAsync<object?>("heartbeat").WaitAsync(Timeout));

        Assert.Contains("not today", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(204)]
    [InlineData(200)]
    public async Task Invoke_UpstreamAnswersWithoutBody_EmptyCompletion(int status)
    {
        await using var harness = await LocalSignalRHarness.StartAsync(azurite);
        harness.Upstream.Reply = _ => (status, null);
        var client = harness.CreateClient();
        await client.StartAsync();

        var result = await client.InvokeAsync<object?>("heartbeat").WaitAsync(Timeout);

        Assert.Null(result);
    }

    [Fact]
    public async Task Stop_ClientCloses_UpstreamDisconnectedWithoutError()
    {
        await using var harness = await LocalSignalRHarness.StartAsync(azurite);
        var client = harness.CreateClient();
        await client.StartAsync();
        var id = client.ConnectionId!;
        await harness.Upstream.WaitForAsync("connected", id);

        await client.StopAsync();
        var call = await harness.Upstream.WaitForAsync("disconnected", id);

        Assert.Equal("connections", call.Category);
        Assert.Equal("""{"type":11}""", call.Body);
        Assert.True(UpstreamSignature.IsValid(id, call.Headers["X-ASRS-Signature"], [DevHostServer.LocalAccessKey]));
        Assert.False(await harness.Rest.ConnectionExistsAsync(id, CancellationToken.None));
    }

    [Fact]
    public async Task Connect_UpstreamRejectsConnected_ConnectionClosedWithError()
    {
        await using var harness = await LocalSignalRHarness.StartAsync(azurite);
        harness.Upstream.Reply = call => call.Event == "connected" ? (403, null) : (200, null);
        var client = harness.CreateClient();
        var closed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Closed += e => Task.FromResult(closed.TrySetResult(e));

        await client.StartAsync();
        var error = await closed.Task.WaitAsync(Timeout);

        Assert.Contains("rejected", error?.Message, StringComparison.OrdinalIgnoreCase);
        var connected = await harness.Upstream.WaitForAsync(c => c.Event == "connected");
        var disconnected = await harness.Upstream.WaitForAsync("disconnected", connected.ConnectionId);
        Assert.Contains("rejected", disconnected.Body, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData(HttpTransportType.WebSockets)]
    [InlineData(HttpTransportType.ServerSentEvents)]
    [InlineData(HttpTransportType.LongPolling)]
    public async Task Connect_EachTransport_ReceivesBroadcastAndForwardsInvocations(HttpTransportType transport)
    {
        await using var harness = await LocalSignalRHarness.StartAsync(azurite);
        var (client, received) = await harness.ConnectAsync(transport: transport);

        await harness.Rest.SendToAllAsync("event", [new { seq = 1 }], CancellationToken.None);
        await client.SendAsync("heartbeat");

        Assert.Equal("""{"seq":1}""", await received.NextAsync());
        await harness.Upstream.WaitForAsync("heartbeat", client.ConnectionId!);
    }

    [Fact]
    public async Task Negotiate_ValidToken_ConnectionIdAndAllTransports()
    {
        await using var harness = await LocalSignalRHarness.StartAsync(azurite);

        using var response = await NegotiateAsync(harness, harness.Tokens.CreateClientToken("dashboard", "alice"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.False(string.IsNullOrEmpty(body.RootElement.GetProperty("connectionId").GetString()));
        var transports = body.RootElement.GetProperty("availableTransports").EnumerateArray().Select(t => t.GetProperty("transport").GetString()).ToList();
        Assert.Equal(["WebSockets", "ServerSentEvents", "LongPolling"], transports);
    }

    [Theory]
    [InlineData("wrong-audience")]
    [InlineData("expired")]
    [InlineData("wrong-key")]
    [InlineData("none")]
    public async Task Negotiate_BadToken_Unauthorized(string kind)
    {
        await using var harness = await LocalSignalRHarness.StartAsync(azurite);
        var token = BadClientToken(harness, kind);

        using var response = await NegotiateAsync(harness, token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        if (token is not null)
        {
            Assert.DoesNotContain(token, body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Start_WrongAudience_FailsWith401AndNoUpstreamCall()
    {
        await using var harness = await LocalSignalRHarness.StartAsync(azurite);
        var client = harness.CreateClient(token: harness.Tokens.CreateClientToken("other", "alice"));

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => client.StartAsync());

        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
        Assert.Empty(harness.Upstream.Calls);
    }

    [Fact]
    public async Task Negotiate_TokenInQueryInsteadOfHeader_Unauthorized()
    {
        await using var harness = await LocalSignalRHarness.StartAsync(azurite);
        var token = harness.Tokens.CreateClientToken("dashboard", "alice");

        // Only WebSocket and SSE requests may carry the token in the query, as in the Service.
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{DevHostApplication.LocalSignalRPath}/client/negotiate?hub=dashboard&negotiateVersion=1&access_token={token}");
        using var response = await harness.Server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task ClientTimeout_SilentClient_ClosedWithErrorAndDisconnectedUpstream()
    {
        var time = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var harness = await LocalSignalRHarness.StartAsync(
            azurite,
            configure: builder => builder.Services.Replace(ServiceDescriptor.Singleton<TimeProvider>(time)));
        var client = harness.CreateClient();
        var closed = LocalSignalRRestApiTests.ClosedSignal(client);
        await client.StartAsync();
        var id = client.ConnectionId!;
        await harness.Upstream.WaitForAsync("connected", id); // the connection's keep-alive timer runs by now

        // The client's own pings run on real time (15 s), so on the Service's clock it has been silent for 31 s. The
        // keep-alive timer may be armed a moment after the connected call (seen under load): move the clock until it fires.
        await Eventually.WaitAsync(
            () =>
            {
                time.Advance(TimeSpan.FromSeconds(31));
                return Task.FromResult(closed.IsCompleted);
            },
            done => done,
            Timeout,
            "the Service to close the silent client");

        var error = await closed;
        Assert.Contains("timeout", error?.Message, StringComparison.OrdinalIgnoreCase);
        var disconnected = await harness.Upstream.WaitForAsync("disconnected", id);
        Assert.Contains("timeout", disconnected.Body, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Negotiate_NoHub_BadRequest()
    {
        await using var harness = await LocalSignalRHarness.StartAsync(azurite);

        using var request = new HttpRequestMessage(HttpMethod.Post, $"{DevHostApplication.LocalSignalRPath}/client/negotiate?negotiateVersion=1");
        using var response = await harness.Server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Hubs_AreIsolated_BroadcastReachesOnlyItsHub()
    {
        await using var harness = await LocalSignalRHarness.StartAsync(azurite);
        var (_, dashboard) = await harness.ConnectAsync(hub: "dashboard");
        var (_, other) = await harness.ConnectAsync(hub: "other");

        // Each client's messages arrive in order: a leak would show up before the expected message.
        await LocalSignalRRestApiTests.PostAsync(harness, "other", "/:send", """{"target":"event","arguments":["for other"]}""");
        await harness.Rest.SendToAllAsync("event", ["for dashboard"], CancellationToken.None);
        await LocalSignalRRestApiTests.PostAsync(harness, "other", "/:send", """{"target":"event","arguments":["other again"]}""");

        Assert.Equal("\"for dashboard\"", await dashboard.NextAsync());
        Assert.Equal("\"for other\"", await other.NextAsync());
        Assert.Equal("\"other again\"", await other.NextAsync());
    }

    internal static string? BadClientToken(LocalSignalRHarness harness, string kind) => kind switch
    {
        "wrong-audience" => harness.Tokens.CreateClientToken("other", "alice"),
        "expired" => ExpiredTokens(harness).CreateClientToken("dashboard", "alice"),
        "wrong-key" => OtherKeyTokens(harness).CreateClientToken("dashboard", "alice"),
        _ => null,
    };

    /// <summary>Tokens issued 2 h ago (lifetime 1 h): expired now.</summary>
    internal static SignalRTokenService ExpiredTokens(LocalSignalRHarness harness) =>
        new(Microsoft.Extensions.Options.Options.Create(harness.Options), new FakeTimeProvider(TimeProvider.System.GetUtcNow() - TimeSpan.FromHours(2)));

    /// <summary>Tokens signed with another access key, for the same endpoint.</summary>
    internal static SignalRTokenService OtherKeyTokens(LocalSignalRHarness harness)
    {
        var options = new SignalROptions
        {
            ConnectionString = $"Endpoint={harness.Options.Connection.Endpoint.AbsoluteUri.TrimEnd('/')};AccessKey=ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvuts;Version=1.0;",
        };
        return new SignalRTokenService(Microsoft.Extensions.Options.Options.Create(options), TimeProvider.System);
    }

    private static async Task<HttpResponseMessage> NegotiateAsync(LocalSignalRHarness harness, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{DevHostApplication.LocalSignalRPath}/client/negotiate?hub=dashboard&negotiateVersion=1");
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await harness.Server.Client.SendAsync(request);
    }
}

internal static class ChannelReaderExtensions
{
    /// <summary>The next item, bounded by <paramref name="timeout"/>.</summary>
    public static Task<T> NextAsync<T>(this ChannelReader<T> reader, TimeSpan? timeout = null) =>
        reader.ReadAsync().AsTask().WaitAsync(timeout ?? TimeSpan.FromSeconds(10));
}
