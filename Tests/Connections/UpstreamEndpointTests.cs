using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using FunctionsDashboard.SignalR;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsDashboard.Tests.Connections;

/// <summary><c>POST /api/signalr/upstream</c> over real HTTP on DevHost, signed as the Service signs.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class UpstreamEndpointTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private DevHostServer _server = null!;

    public async Task InitializeAsync() => _server = await DevHostServer.StartAsync(azurite.ConnectionString);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task ConnectedHeartbeatDisconnected_KeepTheRegistryRight()
    {
        using (var connected = await Send("c1", "connections", "connected", """{"type":10}"""))
        {
            Assert.Equal(HttpStatusCode.NoContent, connected.StatusCode);
        }

        Assert.Equal(1, await LiveCount());

        using (var heartbeat = await Send("c1", "messages", "heartbeat", """{"type":1,"invocationId":"7","target":"heartbeat","arguments":[]}"""))
        {
            Assert.Equal(HttpStatusCode.OK, heartbeat.StatusCode);
            var frame = await heartbeat.Content.ReadAsByteArrayAsync();
            Assert.Equal(0x1e, frame[^1]);
            using var completion = JsonDocument.Parse(frame.AsMemory(0, frame.Length - 1));
            Assert.Equal(3, completion.RootElement.GetProperty("type").GetInt32());
            Assert.Equal("7", completion.RootElement.GetProperty("invocationId").GetString());
        }

        using (var disconnected = await Send("c1", "connections", "disconnected", """{"Type":11,"Error":""}"""))
        {
            Assert.Equal(HttpStatusCode.NoContent, disconnected.StatusCode);
        }

        Assert.Equal(0, await LiveCount());
    }

    [Fact]
    public async Task HeartbeatWithoutInvocationId_Is204()
    {
        using var response = await Send("c2", "messages", "heartbeat", """{"type":1,"target":"heartbeat","arguments":[]}""");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(1, await LiveCount());
    }

    public static TheoryData<string, HttpStatusCode> BadRequests() => new()
    {
        { "forged-signature", HttpStatusCode.Unauthorized },
        { "no-signature", HttpStatusCode.Unauthorized },
        { "no-hub-header", HttpStatusCode.BadRequest },
        { "no-connection-header", HttpStatusCode.BadRequest },
        { "malformed-json", HttpStatusCode.BadRequest },
        { "target-mismatch", HttpStatusCode.BadRequest },
        { "oversized", HttpStatusCode.RequestEntityTooLarge },
        { "unknown-event", HttpStatusCode.NotFound },
        { "text-plain", HttpStatusCode.UnsupportedMediaType },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task BadInput_IsProblemJsonWithoutStackTrace_AndLeavesTheRegistryAlone(string kind, HttpStatusCode expected)
    {
        var body = """{"type":10}""";
        string? signature = null;
        var category = "connections";
        var @event = "connected";
        var contentType = "application/json";
        var omit = "";
        switch (kind)
        {
            case "forged-signature": signature = "sha256=" + new string('A', 64); break;
            case "no-signature": signature = ""; break;
            case "no-hub-header": omit = "X-ASRS-Hub"; break;
            case "no-connection-header": omit = "X-ASRS-Connection-Id"; break;
            case "malformed-json": category = "messages"; @event = "heartbeat"; body = "{not json"; break;
            case "target-mismatch": category = "messages"; @event = "heartbeat"; body = """{"type":1,"target":"other","arguments":[]}"""; break;
            case "oversized": body = "{\"type\":10,\"pad\":\"" + new string('x', 2 * 1024 * 1024) + "\"}"; break;
            case "unknown-event": category = "messages"; @event = "shutdown"; body = """{"type":1,"target":"shutdown","arguments":[]}"""; break;
            case "text-plain": contentType = "text/plain"; break;
        }

        using var response = await Send("bad-1", category, @event, body, signature, contentType, omit);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", text, StringComparison.Ordinal);
        Assert.Equal(0, await LiveCount());
    }

    private async Task<HttpResponseMessage> Send(string connectionId, string category, string @event, string body, string? signature = null, string contentType = "application/json", string omit = "")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/signalr/upstream")
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        var headers = new Dictionary<string, string>
        {
            ["X-ASRS-Connection-Id"] = connectionId,
            ["X-ASRS-Hub"] = "dashboard",
            ["X-ASRS-Category"] = category,
            ["X-ASRS-Event"] = @event,
            ["X-ASRS-User-Id"] = "alice",
            ["X-ASRS-Client-Query"] = "?hub=dashboard&access_token=secret-token",
            ["X-ASRS-Signature"] = signature ?? UpstreamSignature.Compute(connectionId, [DevHostServer.LocalAccessKey]),
        };
        foreach (var (name, value) in headers.Where(h => h.Key != omit && h.Value.Length > 0))
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await _server.Client.SendAsync(request);
    }

    private async Task<int> LiveCount()
    {
        _server.Services.GetRequiredService<FunctionsDashboard.Connections.ConnectionRegistry>().InvalidatePresence();
        using var doc = JsonDocument.Parse(await _server.Client.GetStringAsync("/api/connections"));
        return doc.RootElement.GetProperty("count").GetInt32();
    }
}
