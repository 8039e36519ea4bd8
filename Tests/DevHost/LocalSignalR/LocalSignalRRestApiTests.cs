using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;

namespace FunctionsDashboard.Tests.DevHost.LocalSignalR;

/// <summary>
/// The data-plane REST API of DevHost's local SignalR Service, driven by the app's own <c>SignalRRestClient</c> (from
/// DevHost's DI) and by raw HTTP where the Service's answers themselves are under test.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class LocalSignalRRestApiTests(AzuriteFixture azurite)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Send_ToAllUserGroupConnection_ReachesExactlyTheTargets()
    {
        await using var harness = await LocalSignalRHarness.StartAsync(azurite);
        var rest = harness.Rest;
        var (alice, toAlice) = await harness.ConnectAsync("alice");
        var (bob, toBob) = await harness.ConnectAsync("bob");
        await rest.AddToGroupAsync("ops", alice.ConnectionId!, CancellationToken.None);

        // Each targeted send is followed by a broadcast: a client that must not get the targeted message sees the broadcast first.
        await rest.SendToAllAsync("event", ["all"], CancellationToken.None);
        await rest.SendToUserAsync("bob", "event", ["user bob"], CancellationToken.None);
        await rest.SendToGroupAsync("ops", "event", ["group ops"], CancellationToken.None);
        await rest.SendToConnectionAsync(bob.ConnectionId!, "event", ["connection bob"], CancellationToken.None);
        await rest.SendToAllAsync("event", ["end"], CancellationToken.None);

        Assert.Equal(["\"all\"", "\"group ops\"", "\"end\""], await ReadAsync(toAlice, 3));
        Assert.Equal(["\"all\"", "\"user bob\"", "\"connection bob\"", "\"end\""], await ReadAsync(toBob, 4));
    }

    [Fact]
    public async Task Send_Excluded_SkipsThoseConnections()
    {
        await using var harness = await LocalSignalRHarness.StartAsync(azurite);
        var (alice, toAlice) = await harness.ConnectAsync("alice");
        var (_, toBob) = await harness.ConnectAsync("bob");

        using var response = await PostAsync(harness, "dashboard", "/:send", """{"target":"event","arguments":["not alice"]}""", $"&excluded={alice.ConnectionId}");
        await harness.Rest.SendToAllAsync("event", ["end"], CancellationToken.None);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(["\"end\""], await ReadAsync(toAlice, 1));
        Assert.Equal(["\"not alice\"", "\"end\""], await ReadAsync(toBob, 2));
    }

    [Fact]
    public async Task CloseConnection_WithReason_ClientSeesCloseAndUpstreamDisconnectedFollows()
    {
        await using var harness = await LocalSignalRHarness.StartAsync(azurite);
        var (client, _) = await harness.ConnectAsync();
        var id = client.ConnectionId!;
        var closed = ClosedSignal(client);
        Assert.True(await harness.Rest.ConnectionExistsAsync(id, CancellationToken.None));

        Assert.True(await harness.Rest.CloseConnectionAsync(id, "stale", CancellationToken.None));

        var error = await closed.WaitAsync(Timeout);
        Assert.Contains("stale", error?.Message, StringComparison.Ordinal);
        Assert.Equal(HubConnectionState.Disconnected, client.State);
        Assert.False(await harness.Rest.ConnectionExistsAsync(id, CancellationToken.None));
        var disconnected = await harness.Upstream.WaitForAsync("disconnected", id);
        using var body = JsonDocument.Parse(disconnected.Body);
        Assert.Equal(11, body.RootElement.GetProperty("type").GetInt32());
        Assert.Equal("stale", body.RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task CloseConnection_ClientWithAutomaticReconnect_Reconnects_AsWithTheEmulator_Issue13()
    {
        await using var harness = await LocalSignalRHarness.StartAsync(azurite);
        var token = harness.Tokens.CreateClientToken("dashboard", "alice");
        await using var client = new HubConnectionBuilder()
            .WithUrl(harness.ClientUrl(), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .WithAutomaticReconnect([TimeSpan.Zero])
            .Build();
        var reconnecting = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var reconnected = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Reconnecting += e => Task.FromResult(reconnecting.TrySetResult(e));
        client.Reconnected += id => Task.FromResult(reconnected.TrySetResult(id));
        await client.StartAsync();
        var first = client.ConnectionId!;

        Assert.True(await harness.Rest.CloseConnectionAsync(first, "swept", CancellationToken.None));

        Assert.Contains("swept", (await reconnecting.Task.WaitAsync(Timeout))?.Message, StringComparison.Ordinal);
        var second = await reconnected.Task.WaitAsync(Timeout);
        Assert.NotEqual(first, second);
        Assert.Equal(HubConnectionState.Connected, client.State);
    }

    [Fact]
    public async Task Send_RestTokenInTheManagementSdkForm_QueryInAudienceNoPort_Accepted_Issue13()
    {
        await using var harness = await LocalSignalRHarness.StartAsync(azurite);
        var url = RestUrl(harness, "dashboard", "/:send");
        var sdkAudience = new UriBuilder(url) { Port = -1 }.Uri.AbsoluteUri; // …/api/hubs/dashboard/:send?api-version=2022-06-01
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = Json("""{"target":"event","arguments":[1]}""") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", LocalSignalRClientTests.SdkToken(sdkAudience, DevHostServer.LocalAccessKey));

        using var response = await harness.Server.Client.SendAsync(request);

        Assert.Contains("?api-version=", sdkAudience, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task ConnectionExists_UnknownConnection_False()
    {
        await using var harness = await LocalSignalRHarness.StartAsync(azurite);

        Assert.False(await harness.Rest.ConnectionExistsAsync("no-such-connection", CancellationToken.None));
    }

    [Fact]
    public async Task Groups_AddCheckRemove_AnswerAsTheService()
    {
        await using var harness = await LocalSignalRHarness.StartAsync(azurite);
        var (client, _) = await harness.ConnectAsync("alice");
        var id = client.ConnectionId!;

        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(harness, HttpMethod.Head, "/groups/ops"));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(harness, HttpMethod.Put, $"/groups/ops/connections/{id}"));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(harness, HttpMethod.Head, "/groups/ops"));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(harness, HttpMethod.Head, "/users/alice"));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(harness, HttpMethod.Head, "/users/bob"));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(harness, HttpMethod.Delete, $"/groups/ops/connections/{id}"));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(harness, HttpMethod.Delete, $"/groups/ops/connections/{id}"));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(harness, HttpMethod.Head, "/groups/ops"));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(harness, HttpMethod.Put, "/groups/ops/connections/no-such-connection"));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(harness, HttpMethod.Put, $"/groups/a/connections/{id}"));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(harness, HttpMethod.Delete, $"/connections/{id}/groups"));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(harness, HttpMethod.Head, "/groups/a"));
    }

    [Fact]
    public async Task CloseConnections_AllButExcluded_NoContentAndClosed()
    {
        await using var harness = await LocalSignalRHarness.StartAsync(azurite);
        var (alice, _) = await harness.ConnectAsync("alice");
        var (bob, _) = await harness.ConnectAsync("bob");
        var bobClosed = ClosedSignal(bob);

        using var response = await PostAsync(harness, "dashboard", "/:closeConnections", null, $"&excluded={alice.ConnectionId}&reason=maintenance");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Contains("maintenance", (await bobClosed.WaitAsync(Timeout))?.Message, StringComparison.Ordinal);
        Assert.Equal(HubConnectionState.Connected, alice.State);
    }

    [Fact]
    public async Task Send_V1PathWithoutApiVersion_Accepted()
    {
        await using var harness = await LocalSignalRHarness.StartAsync(azurite);
        var (_, received) = await harness.ConnectAsync();

        var url = $"{harness.Options.Connection.ServerEndpoint.AbsoluteUri.TrimEnd('/')}/api/v1/hubs/dashboard";
        using var request = Request(harness, HttpMethod.Post, url, """{"target":"event","arguments":[{"v":1}]}""");
        using var response = await harness.Server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("""{"v":1}""", await received.NextAsync());
    }

    [Theory]
    [InlineData("""{"arguments":[]}""", "target")]
    [InlineData("""{"target":"","arguments":[]}""", "target")]
    [InlineData("""{"target":"event","arguments":{}}""", "arguments")]
    [InlineData("not json", "body")]
    public async Task Send_InvalidBody_BadRequestWithServiceErrorShape(string body, string target)
    {
        await using var harness = await LocalSignalRHarness.StartAsync(azurite);

        using var response = await PostAsync(harness, "dashboard", "/:send", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("InvalidRequest", error.RootElement.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(error.RootElement.GetProperty("message").GetString()));
        Assert.Equal(target, error.RootElement.GetProperty("target").GetString());
        Assert.Equal(JsonValueKind.Array, error.RootElement.GetProperty("details").ValueKind);
        Assert.True(error.RootElement.TryGetProperty("inner", out _));
    }

    [Fact]
    public async Task Send_BodyOver1MB_PayloadTooLarge()
    {
        await using var harness = await LocalSignalRHarness.StartAsync(azurite);

        using var response = await PostAsync(harness, "dashboard", "/:send", $$"""{"target":"event","arguments":["{{new string('x', 1024 * 1024)}}"]}""");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Send_InvalidHubName_BadRequest()
    {
        await using var harness = await LocalSignalRHarness.StartAsync(azurite);

        using var response = await PostAsync(harness, "9lives", "/:send", """{"target":"event"}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("wrong-audience")]
    [InlineData("expired")]
    [InlineData("wrong-key")]
    [InlineData("none")]
    public async Task Send_BadToken_Unauthorized(string kind)
    {
        await using var harness = await LocalSignalRHarness.StartAsync(azurite);
        var url = RestUrl(harness, "dashboard", "/:send");
        var token = kind switch
        {
            "wrong-audience" => harness.Tokens.CreateRestToken(new Uri(RestUrl(harness, "dashboard", "/users/x/:send"))),
            "expired" => LocalSignalRClientTests.ExpiredTokens(harness).CreateRestToken(new Uri(url)),
            "wrong-key" => LocalSignalRClientTests.OtherKeyTokens(harness).CreateRestToken(new Uri(url)),
            _ => null,
        };

        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = Json("""{"target":"event"}""") };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await harness.Server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(1, harness.Faults.Counters.Rest("unauthorized"));
    }

    [Fact]
    public async Task Health_Head_Ok()
    {
        await using var harness = await LocalSignalRHarness.StartAsync(azurite);

        using var request = new HttpRequestMessage(HttpMethod.Head, "/localsignalr/api/health?api-version=2022-06-01");
        using var response = await harness.Server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    internal static string RestUrl(LocalSignalRHarness harness, string hub, string path, string extraQuery = "") =>
        $"{harness.Options.Connection.ServerEndpoint.AbsoluteUri.TrimEnd('/')}/api/hubs/{hub}{path}?api-version=2022-06-01{extraQuery}";

    /// <summary>A raw POST with a valid REST token.</summary>
    internal static Task<HttpResponseMessage> PostAsync(LocalSignalRHarness harness, string hub, string path, string? body, string extraQuery = "")
    {
        var request = Request(harness, HttpMethod.Post, RestUrl(harness, hub, path, extraQuery), body);
        return harness.Server.Client.SendAsync(request);
    }

    internal static HttpRequestMessage Request(LocalSignalRHarness harness, HttpMethod method, string url, string? body = null)
    {
        var request = new HttpRequestMessage(method, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", harness.Tokens.CreateRestToken(new Uri(url)));
        if (body is not null)
        {
            request.Content = Json(body);
        }

        return request;
    }

    internal static Task<Exception?> ClosedSignal(HubConnection client)
    {
        var closed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Closed += e => Task.FromResult(closed.TrySetResult(e));
        return closed.Task;
    }

    private static async Task<HttpStatusCode> StatusAsync(LocalSignalRHarness harness, HttpMethod method, string path)
    {
        using var request = Request(harness, method, RestUrl(harness, "dashboard", path));
        using var response = await harness.Server.Client.SendAsync(request);
        return response.StatusCode;
    }

    private static async Task<List<string>> ReadAsync(System.Threading.Channels.ChannelReader<string> reader, int count)
    {
        var items = new List<string>();
        for (var i = 0; i < count; i++)
        {
            items.Add(await reader.NextAsync());
        }

        return items;
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
