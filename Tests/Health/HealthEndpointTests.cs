using System.Net;
using System.Text.Json;

namespace FunctionsDashboard.Tests.Health;

[Collection(AzuriteCollection.Name)]
public sealed class HealthEndpointTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Health_StorageUp_Is200Ready()
    {
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString);

        using var response = await server.Client.GetAsync("/api/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("ready", body.RootElement.GetProperty("status").GetString());
        Assert.True(body.RootElement.GetProperty("ready").GetBoolean());
        Assert.All(body.RootElement.GetProperty("checks").EnumerateArray(), c => Assert.True(c.GetProperty("ok").GetBoolean()));
    }

    [Fact]
    public async Task Health_StorageDown_Is503ProblemWithReason()
    {
        await using var server = await DevHostServer.StartAsync(AzuriteFixture.Unreachable(), waitUntilReady: false);

        using var response = await server.Client.GetAsync("/api/health");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(response.Headers.RetryAfter);
        var text = await response.Content.ReadAsStringAsync();
        using var problem = JsonDocument.Parse(text);
        var root = problem.RootElement;
        Assert.False(root.GetProperty("ready").GetBoolean());
        Assert.True(root.GetProperty("live").GetBoolean());
        Assert.Contains("storage", root.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var storage = root.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "storage");
        Assert.False(storage.GetProperty("ok").GetBoolean());
        Assert.DoesNotContain("Exception", text, StringComparison.Ordinal);
    }
}
