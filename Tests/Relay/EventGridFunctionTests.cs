using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using FunctionsDashboard.Relay;
using FunctionsDashboard.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Tests.Relay;

/// <summary><c>/api/eventgrid</c> over real HTTP on DevHost with Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class EventGridFunctionTests(AzuriteFixture azurite)
{
    /// <summary>These tests inspect the hand-off queue itself: the delivery function must not consume it.</summary>
    private static readonly Dictionary<string, string?> QueueInspected = new() { ["AzureWebJobs.RelayDelivery.Disabled"] = "true", ["Relay:Delivery:SafetyNetDelay"] = "00:00:00" };

    [Fact]
    public async Task Post_ForgedSecret_Is401ProblemJson()
    {
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString, QueueInspected);

        using var response = await server.Client.PostAsync("/api/eventgrid?code=forged", Json(Events(("e1", "/orders"))));

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized, WebhookProblemTypes.Unauthorized);
    }

    [Fact]
    public async Task Post_MalformedJson_Is400ProblemJson()
    {
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString, QueueInspected);

        using var response = await server.Client.PostAsync(Url(server), Json("""[{"id":"e1","eventType":"T",""" ));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, WebhookProblemTypes.Malformed);
    }

    [Fact]
    public async Task Post_BodyOverTheLargestEventGridDelivery_Is413ProblemJson()
    {
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString, QueueInspected);
        var big = $$"""[{"id":"e1","topic":"/t","subject":"s","eventType":"T","eventTime":"2026-11-25T12:00:00Z","dataVersion":"1","data":"{{new string('x', EventGridLimits.MaxDeliveryBytes)}}"}]""";

        using var response = await server.Client.PostAsync(Url(server), Json(big));

        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, WebhookProblemTypes.TooLarge);
    }

    [Fact]
    public async Task Post_StorageDown_Is503WithRetryAfterNeverA4xx()
    {
        await using var server = await DevHostServer.StartAsync(AzuriteFixture.Unreachable(), waitUntilReady: false);

        using var response = await server.Client.PostAsync(Url(server), Json(Events(("e1", "/orders"))));

        await AssertProblemAsync(response, HttpStatusCode.ServiceUnavailable, WebhookProblemTypes.Unavailable);
        Assert.Equal(TimeSpan.FromSeconds(10), response.Headers.RetryAfter?.Delta);
    }

    [Fact]
    public async Task Handshakes_BothKinds_AnsweredOverHttp()
    {
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString, QueueInspected);
        using var validation = new HttpRequestMessage(HttpMethod.Post, Url(server))
        {
            Content = Json("""[{"id":"v","topic":"/t","subject":"","data":{"validationCode":"c0de","validationUrl":"https://example.invalid"},"eventType":"Microsoft.EventGrid.SubscriptionValidationEvent","eventTime":"2026-11-25T12:00:00Z","metadataVersion":"1","dataVersion":"1"}]"""),
        };
        validation.Headers.Add("aeg-event-type", "SubscriptionValidation");
        using var options = new HttpRequestMessage(HttpMethod.Options, "/api/eventgrid");
        options.Headers.Add(WebhookSecret.HeaderName, Secret(server));
        options.Headers.Add("WebHook-Request-Origin", "eventgrid.azure.net");
        options.Headers.Add("WebHook-Request-Rate", "120");

        using var validated = await server.Client.SendAsync(validation);
        using var granted = await server.Client.SendAsync(options);

        Assert.Equal(HttpStatusCode.OK, validated.StatusCode);
        Assert.Equal("c0de", (await validated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("validationResponse").GetString());
        Assert.Equal(HttpStatusCode.OK, granted.StatusCode);
        Assert.Equal("eventgrid.azure.net", granted.Headers.GetValues("WebHook-Allowed-Origin").Single());
        Assert.Equal("*", granted.Headers.GetValues("WebHook-Allowed-Rate").Single());
        Assert.Equal("POST", granted.Content.Headers.Allow.Single());
    }

    [Fact]
    public async Task Post_TwentyConcurrentCallsOfTenEvents_AckedWithGapFreeSeqsAndOneHandOffEach()
    {
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString, QueueInspected);

        var calls = Enumerable.Range(0, 20).Select(async c =>
        {
            using var response = await server.Client.PostAsync(Url(server), Json(Events([.. Enumerable.Range(0, 10).Select(i => ($"c{c}-e{i}", "/orders"))])));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return await response.Content.ReadFromJsonAsync<EventGridAck>();
        });
        var acks = await Task.WhenAll(calls);

        var seqs = acks.SelectMany(a => a!.Events).Select(e => e.Seq).Order().ToList();
        Assert.Equal(Enumerable.Range(1, 200).Select(i => (long)i), seqs);
        var eventLog = server.Services.GetRequiredService<RelayEventLog>();
        Assert.Equal(200, (await eventLog.ReadAfterAsync("orders", 0, 1000, CancellationToken.None)).Count);
        var handOffs = RelayQueue.HandOffsPerSeq(await RelayQueue.DrainWhenHandedOffAsync(server.Services.GetRequiredService<DashboardStorage>(), "orders"), "orders");
        Assert.Equal(200, handOffs.Count);
        Assert.All(handOffs.Values, n => Assert.Equal(1, n));
    }

    [Fact]
    public async Task Post_SameEventTwiceThenStats_DuplicateKeepsItsSeqAndIsCounted()
    {
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString, QueueInspected);

        using var first = await server.Client.PostAsync(Url(server), Json(Events(("e1", "/orders"), ("e2", "/orders"))));
        using var again = await server.Client.PostAsync(Url(server), Json(Events(("e2", "/orders"))));
        var stats = await server.Client.GetFromJsonAsync<RelayStatsSnapshot>("/api/relay/stats");

        var ack = await again.Content.ReadFromJsonAsync<EventGridAck>();
        Assert.Equal((0, 1), (ack!.Accepted, ack.Duplicates));
        Assert.Equal([new AppendedEvent("e2", "orders", 2, true)], ack.Events);
        Assert.Equal((2L, 1L, 1L), (stats!.Accepted, stats.Duplicates, stats.HandOffs));
    }

    private static string Secret(DevHostServer server) => server.Services.GetRequiredService<IOptions<RelayOptions>>().Value.WebhookSecret;

    private static string Url(DevHostServer server) => $"/api/eventgrid?code={Uri.EscapeDataString(Secret(server))}";

    private static Azure.Storage.Queues.QueueClient Queue(DevHostServer server) =>
        server.Services.GetRequiredService<DashboardStorage>().Queue(RelayStorageNames.DeliveryQueue);

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static string Events(params (string Id, string Topic)[] events) =>
        JsonSerializer.Serialize(events.Select(e => new
        {
            id = e.Id,
            topic = e.Topic,
            subject = "s/" + e.Id,
            eventType = "Order.Created",
            eventTime = "2026-11-25T12:00:00Z",
            dataVersion = "1",
            data = new { e.Id },
        }));

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string type)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        using var problem = JsonDocument.Parse(text);
        Assert.Equal(type, problem.RootElement.GetProperty("type").GetString());
        Assert.Equal((int)status, problem.RootElement.GetProperty("status").GetInt32());
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal); // no stack trace
    }
}
