using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FunctionsDashboard.Health;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;

namespace FunctionsDashboard.Tests.Connections;

[Collection(AzuriteCollection.Name)]
public sealed class NegotiateEndpointTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Negotiate_Ready_GivesUrlTokenAndSseUrl()
    {
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString);

        using var response = await server.Client.PostAsync("/api/negotiate?negotiateVersion=1", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var url = body.RootElement.GetProperty("url").GetString()!;
        Assert.Equal($"{server.BaseAddress.AbsoluteUri.TrimEnd('/')}/localsignalr/client/?hub=dashboard", url);
        Assert.Equal($"{server.BaseAddress.AbsoluteUri.TrimEnd('/')}/api/events", body.RootElement.GetProperty("sseUrl").GetString());
        var token = new JsonWebToken(body.RootElement.GetProperty("accessToken").GetString());
        Assert.Equal(url, token.Audiences.Single());
        Assert.StartsWith("anonymous-", token.GetClaim("nameid").Value, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Negotiate_NotReady_Is503WithRetryAfter_ThenWorksOnceReady()
    {
        var gate = new GateStep();
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString, waitUntilReady: false,
            configure: b => b.Services.AddSingleton<IStartupStep>(gate));

        using (var early = await server.Client.PostAsync("/api/negotiate", null))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, early.StatusCode);
            Assert.Equal("application/problem+json", early.Content.Headers.ContentType?.MediaType);
            Assert.True(early.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        }

        gate.Open();
        await server.Services.GetRequiredService<Readiness>().WhenReady.WaitAsync(TimeSpan.FromSeconds(30));

        using var late = await server.Client.PostAsync("/api/negotiate", null);
        Assert.Equal(HttpStatusCode.OK, late.StatusCode);
    }

    [Fact]
    public async Task Preflight_AllowedOrigin_GetsCorsHeadersWithCredentials()
    {
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString, new Dictionary<string, string?> { ["SignalR:AllowedOrigins:0"] = "https://ops.example.com" });
        using var request = new HttpRequestMessage(HttpMethod.Options, "/api/negotiate");
        request.Headers.Add("Origin", "https://ops.example.com");
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "x-signalr-user-agent");

        using var response = await server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("https://ops.example.com", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal("true", response.Headers.GetValues("Access-Control-Allow-Credentials").Single());
        Assert.Contains("POST", response.Headers.GetValues("Access-Control-Allow-Methods").Single(), StringComparison.Ordinal);
        Assert.Equal("x-signalr-user-agent", response.Headers.GetValues("Access-Control-Allow-Headers").Single());
    }

    [Fact]
    public async Task Negotiate_UnlistedOrigin_Is403Problem()
    {
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/negotiate");
        request.Headers.Add("Origin", "https://evil.example");

        using var response = await server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Negotiate_AnonymousOff_Is401Problem()
    {
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString, new Dictionary<string, string?> { ["SignalR:AllowAnonymous"] = "false" });

        using var response = await server.Client.PostAsync("/api/negotiate", null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("AllowAnonymous", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
