using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text.Json;
using FunctionsDashboard.Access;
using FunctionsDashboard.Relay;
using FunctionsDashboard.SignalR;
using FunctionsDashboard.Tests.Sse;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace FunctionsDashboard.Tests.Access;

/// <summary>
/// One access rule on every read path (issue 12): negotiate and SignalR groups, SSE, history, the stream list and
/// presence, over real HTTP on DevHost. Anonymous access off; App Service principals trusted; one role reads
/// <c>alpha</c> only; bearer tokens from a test issuer.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class StreamAccessTests(AzuriteFixture azurite)
{
    private const string BearerKey = "c3RyZWFtcy10ZXN0LWlzc3Vlci1rZXktMzItYnl0ZXMhIQ==";
    private const string Issuer = "https://issuer.test/";
    private const string Audience = "api://dashboard-test";

    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Access:AllowAnonymous"] = "false",
        ["Access:TrustAppServicePrincipal"] = "true",
        ["Access:Rules:0:Role"] = "ops-alpha",
        ["Access:Rules:0:Streams:0"] = "alpha",
        ["Access:Rules:1:ClaimType"] = "team",
        ["Access:Rules:1:ClaimValue"] = "everything",
        ["Access:Rules:1:Streams:0"] = "*",
        ["Access:Bearer:Issuers:0"] = Issuer,
        ["Access:Bearer:Audiences:0"] = Audience,
        ["Access:Bearer:SymmetricKeys:0"] = BearerKey,
    };

    [Theory]
    [InlineData("GET", "/api/events")]
    [InlineData("GET", "/api/events?stream=alpha")]
    [InlineData("GET", "/api/events/history")]
    [InlineData("GET", "/api/events/history?stream=alpha&after=0")]
    [InlineData("GET", "/api/events/streams")]
    [InlineData("GET", "/api/connections")]
    [InlineData("POST", "/api/negotiate")]
    public async Task AnonymousOff_EveryReadPath_RefusesACallerWithoutIdentity_401ProblemJson(string method, string url)
    {
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString, Settings);
        await EventPoster.PostAsync(server.Client, "alpha", ["a1"]);

        using var response = await server.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), url));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task UserEntitledToOneStream_SeesOnlyThatStream_OnEveryPath()
    {
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString, Settings);
        await EventPoster.PostAsync(server.Client, "alpha", ["a1"]);
        await EventPoster.PostAsync(server.Client, "beta", ["b1"]);
        var alice = AppServicePrincipal.Encode("alice", ["ops-alpha"]);

        // History, naming no stream: alpha only.
        using (var history = await SendAsync(server, "/api/events/history", alice))
        {
            Assert.Equal(["a1"], Ids(await history.Content.ReadAsStringAsync()));
        }

        // The stream list: alpha only.
        using (var streams = await SendAsync(server, "/api/events/streams", alice))
        {
            using var doc = JsonDocument.Parse(await streams.Content.ReadAsStringAsync());
            Assert.Equal(["alpha"], doc.RootElement.GetProperty("streams").EnumerateArray().Select(s => s.GetProperty("stream").GetString()));
        }

        // Naming a stream she may not read: 403, on SSE and history.
        using (var forbidden = await SendAsync(server, "/api/events?stream=beta", alice))
        {
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
            Assert.Equal("application/problem+json", forbidden.Content.Headers.ContentType?.MediaType);
        }

        using (var forbidden = await SendAsync(server, "/api/events/history?stream=beta&after=0", alice))
        {
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        }

        // SSE naming no stream: live alpha events only.
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/events");
        request.Headers.Add(AppServicePrincipal.Header, alice);
        using var sseResponse = await server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, sseResponse.StatusCode);
        using var sse = new SseEndpointTests.SseConnection(sseResponse, await sseResponse.Content.ReadAsStreamAsync());
        await sse.WaitForRetryAsync();
        await EventPoster.PostAsync(server.Client, "beta", ["b2"]);
        await EventPoster.PostAsync(server.Client, "alpha", ["a2"]);
        await EventPoster.PostAsync(server.Client, "beta", ["b3"]);
        await EventPoster.PostAsync(server.Client, "alpha", ["a3"]);
        Assert.Equal(["a2", "a3"], (await sse.TakeAsync(2)).Select(i => SseEndpointTests.Id(i.Data)));

        // Negotiate: her connection's group is her subscription, and the audience sends alpha (not beta) to it.
        var negotiate = new HttpRequestMessage(HttpMethod.Post, "/api/negotiate");
        negotiate.Headers.Add(AppServicePrincipal.Header, alice);
        using var negotiated = await server.Client.SendAsync(negotiate);
        Assert.Equal(HttpStatusCode.OK, negotiated.StatusCode);
        using var body = JsonDocument.Parse(await negotiated.Content.ReadAsStringAsync());
        var group = new JsonWebToken(body.RootElement.GetProperty("accessToken").GetString()).GetClaim(SubscriptionGroups.GroupClaim).Value;
        Assert.Equal(SubscriptionGroups.NameOf(StreamSet.Of([StreamPattern.Parse("alpha")])), group);
        var audience = server.Services.GetRequiredService<IEventAudience>();
        Assert.Contains(group, (await audience.TargetsForAsync("alpha", CancellationToken.None)).Groups);
        Assert.DoesNotContain(group, (await audience.TargetsForAsync("beta", CancellationToken.None)).Groups);

        // A real SignalR client of hers joins that group (connected + subscribe), and a group send reaches it.
        await using var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(server.BaseAddress, "api"), o => o.Headers[AppServicePrincipal.Header] = alice)
            .Build();
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.On<JsonElement>("event", e => received.TrySetResult(e.GetProperty("id").GetString()!));
        await connection.StartAsync();
        await connection.InvokeAsync<JsonElement>(FunctionsDashboard.Hub.DashboardHubHandlers.Subscribe);
        foreach (var target in (await audience.TargetsForAsync("alpha", CancellationToken.None)).Groups)
        {
            await server.Services.GetRequiredService<SignalRRestClient>().SendToGroupAsync(target, "event", [new { id = "to-alpha-groups" }], CancellationToken.None);
        }

        Assert.Equal("to-alpha-groups", await received.Task.WaitAsync(TimeSpan.FromSeconds(20)));

        // Presence: counts for alpha only, no user ids; the admin key sees users.
        server.Services.GetRequiredService<FunctionsDashboard.Connections.ConnectionRegistry>().InvalidatePresence();
        using (var presence = await SendAsync(server, "/api/connections", alice))
        {
            using var doc = JsonDocument.Parse(await presence.Content.ReadAsStringAsync());
            Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("users").ValueKind);
            var perStream = doc.RootElement.GetProperty("streams").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
            Assert.Equal(["alpha"], perStream.Keys);
            Assert.Equal(1, perStream["alpha"]);
            Assert.Equal(1, doc.RootElement.GetProperty("count").GetInt32());
        }

        var admin = new HttpRequestMessage(HttpMethod.Get, "/api/connections");
        admin.Headers.Add(RelayAdminKey.HeaderName, "local-dev-admin-key");
        using (var adminView = await server.Client.SendAsync(admin))
        {
            using var doc = JsonDocument.Parse(await adminView.Content.ReadAsStringAsync());
            Assert.True(doc.RootElement.GetProperty("users").TryGetProperty("alice", out _));
        }
    }

    [Fact]
    public async Task StreamToken_FromNegotiate_LetsEventSourceRead_ForgedOrMissingIsRefused()
    {
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString, Settings);
        await EventPoster.PostAsync(server.Client, "alpha", ["a1"]);
        await EventPoster.PostAsync(server.Client, "beta", ["b1"]);
        var negotiate = new HttpRequestMessage(HttpMethod.Post, "/api/negotiate");
        negotiate.Headers.Add(AppServicePrincipal.Header, AppServicePrincipal.Encode("alice", ["ops-alpha"]));
        using var negotiated = await server.Client.SendAsync(negotiate);
        using var body = JsonDocument.Parse(await negotiated.Content.ReadAsStringAsync());
        var token = body.RootElement.GetProperty("sseToken").GetString()!;
        Assert.Contains(negotiated.Headers.GetValues("Set-Cookie"), c => c.StartsWith(StreamTokens.CookieName + "=", StringComparison.Ordinal) && c.Contains("httponly", StringComparison.OrdinalIgnoreCase));

        // No header at all (as EventSource): the query token carries her identity and entitlement.
        using var history = await server.Client.GetAsync($"/api/events/history?access_token={token}");
        Assert.Equal(HttpStatusCode.OK, history.StatusCode);
        Assert.Equal(["a1"], Ids(await history.Content.ReadAsStringAsync()));

        using var forged = await server.Client.GetAsync($"/api/events/history?access_token={token[..^4]}AAAA");
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Equal("application/problem+json", forged.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task BearerTokens_AreValidatedWithIssuerAudienceAndKey_AndMappedByClaims()
    {
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString, Settings);
        await EventPoster.PostAsync(server.Client, "alpha", ["a1"]);
        await EventPoster.PostAsync(server.Client, "beta", ["b1"]);

        using (var all = await BearerAsync(server, Token(Audience, new Claim("team", "everything"))))
        {
            Assert.Equal(HttpStatusCode.OK, all.StatusCode);
            Assert.Equal(["a1", "b1"], Ids(await all.Content.ReadAsStringAsync()).Order(StringComparer.Ordinal));
        }

        using (var role = await BearerAsync(server, Token(Audience, new Claim("roles", "ops-alpha"))))
        {
            Assert.Equal(["a1"], Ids(await role.Content.ReadAsStringAsync()));
        }

        using (var nothing = await BearerAsync(server, Token(Audience)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, nothing.StatusCode);
        }

        using (var wrongAudience = await BearerAsync(server, Token("api://someone-else", new Claim("team", "everything"))))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, wrongAudience.StatusCode);
            Assert.Equal("application/problem+json", wrongAudience.Content.Headers.ContentType?.MediaType);
        }
    }

    private static string Token(string audience, params Claim[] claims)
    {
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = audience,
            Subject = new ClaimsIdentity([new Claim("sub", "bob"), .. claims]),
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(5),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Convert.FromBase64String(BearerKey)), SecurityAlgorithms.HmacSha256),
        });
    }

    private static Task<HttpResponseMessage> BearerAsync(DevHostServer server, string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/events/history");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return server.Client.SendAsync(request);
    }

    private static Task<HttpResponseMessage> SendAsync(DevHostServer server, string url, string principal)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add(AppServicePrincipal.Header, principal);
        return server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    private static List<string> Ids(string historyJson)
    {
        using var doc = JsonDocument.Parse(historyJson);
        return doc.RootElement.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("id").GetString()!).ToList();
    }
}
