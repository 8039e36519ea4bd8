using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FunctionsDashboard.Relay;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsDashboard.Tests.Relay;

/// <summary>
/// <c>GET /api/relay/deadletters</c>, <c>POST /api/relay/deadletters/redrive</c> and <c>GET /api/relay/stats</c> on DevHost:
/// the app-level admin key is enforced (DevHost has no Functions host keys), every refusal is problem+json.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class DeadLetterEndpointsTests(AzuriteFixture azurite)
{
    private const string AdminKey = "test-admin-key-0123456789";

    [Theory]
    [InlineData("GET", "/api/relay/deadletters")]
    [InlineData("POST", "/api/relay/deadletters/redrive")]
    public async Task AdminEndpoint_NoAdminKeyConfigured_Is403Problem(string method, string path)
    {
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString, new Dictionary<string, string?> { ["Relay:AdminKey"] = "" });

        using var response = await SendAsync(server, method, path, key: "local-dev-admin-key");

        await AssertProblemAsync(response, HttpStatusCode.Forbidden, "Relay:AdminKey");
    }

    [Theory]
    [InlineData("GET", "/api/relay/deadletters", null)]
    [InlineData("GET", "/api/relay/deadletters", "wrong-key-0123456789")]
    [InlineData("POST", "/api/relay/deadletters/redrive", null)]
    [InlineData("POST", "/api/relay/deadletters/redrive", "wrong-key-0123456789")]
    public async Task AdminEndpoint_MissingOrWrongKey_Is401Problem(string method, string path, string? key)
    {
        await using var server = await StartAsync();

        using var response = await SendAsync(server, method, path, key);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized, RelayAdminKey.HeaderName);
    }

    [Theory]
    [InlineData("?limit=0")]
    [InlineData("?limit=1001")]
    [InlineData("?limit=x")]
    [InlineData("?stream=Not%20A%20Stream")]
    public async Task List_BadParameters_Is400Problem(string query)
    {
        await using var server = await StartAsync();

        using var response = await SendAsync(server, "GET", "/api/relay/deadletters" + query, AdminKey);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "");
    }

    [Fact]
    public async Task ListThenRedrive_WithTheKey_ListsEntriesQueuesThemAndCountsInStats()
    {
        await using var server = await StartAsync(new() { ["AzureWebJobs.RelayDelivery.Disabled"] = "true" }); // keep the queue to look at
        var store = server.Services.GetRequiredService<DeadLetterStore>();
        var at = new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
        await store.AddAsync(new DeadLetterEntry("orders", 7, "evt-7", "Order.Created", "Gave up after 10 tries; the last one failed: 503", DeadLetterOrigins.RetriesExhausted, 10, 503, at), CancellationToken.None);
        await store.AddAsync(new DeadLetterEntry("orders", 8, "evt-8", "Order.Created", "Not retried (400)", DeadLetterOrigins.NotRetryable, 1, 400, at), CancellationToken.None);

        using var list = await SendAsync(server, "GET", "/api/relay/deadletters?stream=orders", AdminKey);
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        var listing = await list.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((2, false), (listing.GetProperty("count").GetInt32(), listing.GetProperty("truncated").GetBoolean()));
        var first = listing.GetProperty("items")[0];
        Assert.Equal(("orders", 7, "evt-7", DeadLetterOrigins.RetriesExhausted, 10, 503), (
            first.GetProperty("stream").GetString(), first.GetProperty("seq").GetInt64(), first.GetProperty("id").GetString(),
            first.GetProperty("origin").GetString(), first.GetProperty("attempts").GetInt32(), first.GetProperty("statusCode").GetInt32()));
        Assert.StartsWith("Gave up after 10 tries", first.GetProperty("reason").GetString(), StringComparison.Ordinal);

        using var redrive = await SendAsync(server, "POST", "/api/relay/deadletters/redrive", AdminKey);
        Assert.Equal(HttpStatusCode.OK, redrive.StatusCode);
        var result = await redrive.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((2, 1, 0), (result.GetProperty("requeued").GetInt32(), result.GetProperty("messages").GetInt32(), result.GetProperty("notRedrivable").GetInt32()));

        using var empty = await SendAsync(server, "GET", "/api/relay/deadletters", AdminKey);
        Assert.Equal(0, (await empty.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("count").GetInt32());
        var queued = await server.Services.GetRequiredService<FunctionsDashboard.Storage.DashboardStorage>().Queue(RelayStorageNames.DeliveryQueue).ReceiveMessageAsync();
        Assert.Equal(RelayDeliveryMessage.ForRedrive("orders", 7, 8), RelayDeliveryMessage.Parse(queued.Value.Body.ToString()));

        var stats = await server.Client.GetFromJsonAsync<JsonElement>("/api/relay/stats");
        Assert.Equal(2, stats.GetProperty("redriven").GetInt64());
        foreach (var counter in new[] { "accepted", "duplicates", "delivered", "retried", "deadLettered", "deliveredAgain" })
        {
            Assert.True(stats.TryGetProperty(counter, out _), $"stats lacks {counter}");
        }
    }

    private Task<DevHostServer> StartAsync(Dictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?> { ["Relay:AdminKey"] = AdminKey };
        foreach (var (key, value) in settings ?? [])
        {
            all[key] = value;
        }

        return DevHostServer.StartAsync(azurite.ConnectionString, all);
    }

    private static async Task<HttpResponseMessage> SendAsync(DevHostServer server, string method, string path, string? key)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (key is not null)
        {
            request.Headers.Add(RelayAdminKey.HeaderName, key);
        }

        return await server.Client.SendAsync(request);
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string detailMentions)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(detailMentions, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
