using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Threading.Channels;
using FunctionsDashboard.DevHost.Hosting;
using FunctionsDashboard.Health;
using FunctionsDashboard.SignalR;
using FunctionsDashboard.Tests.DevHost.LocalSignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;

namespace FunctionsDashboard.Tests.SignalR;

/// <summary>
/// Issue 13 item 8: with <c>AuthType=azure.msi</c> (no access key) the app gets its client-token signing key from the
/// Service's <c>/api/v1/auth/accessKey</c> with an Entra token, negotiates clients with it, and calls the REST API with
/// the Entra token, against DevHost's local Service with local auth disabled (as Bicep's <c>disableLocalAuth: true</c>).
/// The credential is faked (the Azure SDK boundary); everything else is real HTTP.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class SignalREntraTests(AzuriteFixture azurite)
{
    private const string EntraKey = "local-entra-signing-key-for-tests-0123456789";
    private const string AppServer = "11111111-2222-3333-4444-555555555555";

    [Fact]
    public async Task ManagedIdentity_KeyFetchedAtStartup_NegotiatedClientConnects_RestSendReachesIt_AccessKeysRefused()
    {
        var credential = new FakeEntraCredential(EntraKey, AppServer);
        await using var server = await StartAsync(credential);

        using var negotiate = await server.Client.PostAsync("/api/negotiate", null);
        var body = await negotiate.Content.ReadFromJsonAsync<JsonElement>();
        var accessToken = body.GetProperty("accessToken").GetString()!;
        await using var client = new HubConnectionBuilder().WithUrl(new Uri(server.BaseAddress, "api")).Build();
        var received = Channel.CreateUnbounded<string>();
        client.On<JsonElement>("probe", e => received.Writer.TryWrite(e.GetRawText()));
        await client.StartAsync();
        await server.Services.GetRequiredService<SignalRRestClient>().SendToAllAsync("probe", ["via entra"], CancellationToken.None);

        Assert.Equal(HttpStatusCode.OK, negotiate.StatusCode);
        Assert.StartsWith("entra-", new JsonWebToken(accessToken).Kid, StringComparison.Ordinal);
        Assert.Equal("\"via entra\"", await received.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.All(credential.Scopes, s => Assert.Equal(SignalREntraAccessKey.Scope, s));

        // Local auth is off: a token signed with an access key, for the same client URL, is refused.
        var keySigned = LocalSignalRClientTests.SdkToken(body.GetProperty("url").GetString()!, DevHostServer.LocalAccessKey);
        using var request = new HttpRequestMessage(HttpMethod.Post, body.GetProperty("url").GetString()!.Replace("/client/?", "/client/negotiate?", StringComparison.Ordinal) + "&negotiateVersion=1");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", keySigned);
        using var refused = await server.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task ManagedIdentity_WithoutTheAppServerRole_AccessKeyRefused403_AppNotReadyNegotiate503()
    {
        await using var server = await StartAsync(new FakeEntraCredential(EntraKey, "someone-else"), waitUntilReady: false);
        var readiness = server.Services.GetRequiredService<Readiness>();

        var reason = await Eventually.WaitAsync(() => Task.FromResult(readiness.Reason), r => r?.Contains("signalr-access-key' is retrying", StringComparison.Ordinal) == true && r.Contains("403", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "the access-key step to fail");
        using var negotiate = await server.Client.PostAsync("/api/negotiate", null);

        Assert.False(readiness.IsReady);
        Assert.True(reason!.Contains("403", StringComparison.Ordinal), reason);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, negotiate.StatusCode);
    }

    [Fact]
    public async Task AccessKeyEndpoint_NoOrForgedEntraToken_401()
    {
        await using var server = await StartAsync(new FakeEntraCredential(EntraKey, AppServer));
        var url = "/localsignalr/api/v1/auth/accessKey";
        using var forged = new HttpRequestMessage(HttpMethod.Get, url);
        var wrongKey = new FakeEntraCredential("another-signing-key-0123456789abcdefghij", AppServer)
            .GetToken(new Azure.Core.TokenRequestContext([SignalREntraAccessKey.Scope]), default).Token;
        forged.Headers.Authorization = new AuthenticationHeaderValue("Bearer", wrongKey);

        using var none = await server.Client.GetAsync(url);
        using var forgedAnswer = await server.Client.SendAsync(forged);

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, forgedAnswer.StatusCode);
    }

    private Task<DevHostServer> StartAsync(FakeEntraCredential credential, bool waitUntilReady = true)
    {
        var port = AzuriteFixture.FreePort();
        return DevHostServer.StartAsync(
            azurite.ConnectionString,
            new Dictionary<string, string?>
            {
                ["AzureSignalRConnectionString"] = $"Endpoint=http://127.0.0.1:{port}{DevHostApplication.LocalSignalRPath};AuthType=azure.msi;ClientId=test-identity;Version=1.0;",
                ["LocalSignalR:DisableLocalAuth"] = "true",
                ["LocalSignalR:Entra:SigningKey"] = EntraKey,
                ["LocalSignalR:Entra:AppServerObjectIds:0"] = AppServer,
            },
            waitUntilReady,
            builder => builder.Services.AddSingleton(new SignalRCredential(credential)),
            port);
    }
}
