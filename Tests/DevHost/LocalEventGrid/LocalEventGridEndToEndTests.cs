using System.Net;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Messaging;
using Azure.Messaging.EventGrid;
using FunctionsDashboard.DevHost.LocalEventGrid;
using FunctionsDashboard.Relay;
using FunctionsDashboard.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsDashboard.Tests.DevHost.LocalEventGrid;

/// <summary>
/// The whole ingress path on DevHost: the real <see cref="EventGridPublisherClient"/> publishes to the local topic, the
/// local Event Grid delivers over loopback HTTP to <c>/api/eventgrid</c> (handshake first), the relay writes the event
/// log in Azurite and hands off to the queue. Retry schedule compressed 1000× (first retry after about 10 ms).
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class LocalEventGridEndToEndTests(AzuriteFixture azurite)
{
    private const string TopicKey = "test-topic-key";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Publish500EventsWithThePublisherClient_EachInTheLogOnceGapFreeAndHandedOffOnce()
    {
        await using var server = await StartAsync();
        var ids = Enumerable.Range(0, 500).Select(i => $"order-{i:D3}-{Guid.NewGuid():N}").ToList();

        var publisher = Publisher(server, "orders");
        foreach (var chunk in ids.Chunk(50))
        {
            await publisher.SendEventsAsync(chunk.Select(id => new EventGridEvent("orders/" + id, "Order.Created", "1.0", new { id }) { Id = id }));
        }

        await Stats(server).WhenIdle.WaitAsync(Patience);
        var stream = StreamName.From(LocalTopicEndpoint.TopicResourceId("orders"));
        await AssertExactlyOnceAsync(server, stream, ids);
        Assert.Equal((500L, 0L), (Stats(server).Delivered, Stats(server).DeadLettered));
        Assert.Equal(1, Stats(server).Handshakes);
    }

    [Fact]
    public async Task PublishWhileAcksGetLostAndTheQueueBrieflyFails_RedeliveriesCreateNoSecondSeqAndNothingIsLost()
    {
        // The outage fails every try of the second hand-off round (the write pipeline's retries included): its ranges go
        // with a later round, or the outbox sweep (every second here, for ranges pending over 5 s) sends them.
        var queueOutage = new FlakyHandOff(failFromCall: 2, failCalls: 8);
        await using var server = await StartAsync(
            new()
            {
                ["LocalEventGrid:Faults:AckLossRate"] = "0.3",
                ["LocalEventGrid:Faults:Seed"] = "7",
                ["Relay:OutboxSweepInterval"] = "00:00:01",
                ["Relay:PendingGrace"] = "00:00:05",
            },
            services => services.AddSingleton<IRelayHandOff>(sp => queueOutage.Wrapping(sp)));
        var ids = Enumerable.Range(0, 300).Select(i => $"evt-{i:D3}").ToList();

        var publisher = Publisher(server, "jobs");
        foreach (var chunk in ids.Chunk(100))
        {
            await publisher.SendEventsAsync(chunk.Select(id => new EventGridEvent("jobs/" + id, "Job.Done", "1.0", new { id }) { Id = id }));
        }

        await Stats(server).WhenIdle.WaitAsync(Patience);
        await AssertExactlyOnceAsync(server, StreamName.From(LocalTopicEndpoint.TopicResourceId("jobs")), ids);
        var relay = server.Services.GetRequiredService<RelayStats>().Snapshot();
        Assert.Equal(300, relay.Accepted);
        Assert.True(relay.Duplicates > 0, "lost acks must have caused redeliveries");
        // The webhook answers at the commit (the range is in the outbox): the queue outage fails hand-offs, not calls; the
        // failed ranges went with later rounds (one message for ranges without a gap), each seq once.
        Assert.True(queueOutage.Failed > 0, "the queue outage must have failed hand-offs");
        Assert.Equal(0, relay.Unavailable);
        Assert.True(Stats(server).AcksLost > 0);
        Assert.Equal(0, Stats(server).DeadLettered);
    }

    [Fact]
    public async Task PublishCloudEventsInBatches_DeliveredAfterTheOptionsHandshake()
    {
        await using var server = await StartAsync(new() { ["LocalEventGrid:MaxEventsPerBatch"] = "5" });
        var ids = Enumerable.Range(0, 40).Select(i => $"ce-{i}").ToList();

        await Publisher(server, "sensors").SendEventsAsync(ids.Select(id => new CloudEvent("/sensors/hall", "Temp.Read", new { id }) { Id = id }));

        await Stats(server).WhenIdle.WaitAsync(Patience);
        await AssertExactlyOnceAsync(server, "sensors-hall", ids);
        Assert.InRange(Stats(server).Attempts, 8, 40);
    }

    [Fact]
    public async Task Publish_WrongTopicKey_Is401()
    {
        await using var server = await StartAsync();
        var publisher = new EventGridPublisherClient(TopicEndpoint(server, "orders"), new AzureKeyCredential("forged"), NoRetries());

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => publisher.SendEventAsync(new EventGridEvent("s", "T", "1", new { })));

        Assert.Equal(401, error.Status);
    }

    [Fact]
    public async Task Publish_SubscriptionWithAForgedSecret_DeadLetteredToBlobAtOnceWithTheReasonFields()
    {
        await using var server = await StartAsync(new() { ["LocalEventGrid:DeliverySecret"] = "forged" });

        await Publisher(server, "orders").SendEventAsync(new EventGridEvent("orders/1", "Order.Created", "1.0", new { n = 1 }) { Id = "dl-1" });

        await Stats(server).WhenIdle.WaitAsync(Patience);
        var container = server.Services.GetRequiredService<DashboardStorage>().Container(LocalEventGridExtensions.DeadLetterContainer);
        var blobs = new List<string>();
        await foreach (var blob in container.GetBlobsAsync())
        {
            blobs.Add(blob.Name);
        }

        var name = Assert.Single(blobs);
        Assert.StartsWith("ORDERS/LOCAL-RELAY/", name, StringComparison.Ordinal);
        using var letters = JsonDocument.Parse((await container.GetBlobClient(name).DownloadContentAsync()).Value.Content.ToString());
        var letter = letters.RootElement.EnumerateArray().Single();
        Assert.Equal("dl-1", letter.GetProperty("id").GetString());
        Assert.Equal("NonRetryableStatusCode", letter.GetProperty("deadLetterReason").GetString());
        Assert.Equal(1, letter.GetProperty("deliveryAttempts").GetInt32());
        Assert.Equal(401, letter.GetProperty("lastHttpStatusCode").GetInt32());
        Assert.Contains("validation handshake failed", letter.GetProperty("lastDeliveryOutcome").GetString(), StringComparison.Ordinal);
        Assert.True(letter.TryGetProperty("publishTime", out _) && letter.TryGetProperty("lastDeliveryAttemptTime", out _));
        Assert.Empty(await server.Services.GetRequiredService<RelayEventLog>().ListStreamsAsync(CancellationToken.None));
    }

    [Fact]
    public async Task PublishAnEventOfExactlyThePublishLimit_DeliveredWithItsEnvelopeOver1MiB_AcceptedNot413_Issue13()
    {
        await using var server = await StartAsync();
        var body = PaddedEventGridBatch("big-1", EventGridLimits.MaxPublishBytes);
        Assert.Equal(EventGridLimits.MaxPublishBytes, body.Length);

        using var published = await PublishRawAsync(server, "orders", body);

        Assert.Equal(HttpStatusCode.OK, published.StatusCode);
        await Stats(server).WhenIdle.WaitAsync(Patience);
        Assert.Equal((1L, 0L), (Stats(server).Delivered, Stats(server).DeadLettered));
        var stored = await server.Services.GetRequiredService<RelayEventLog>().ReadAfterAsync(StreamName.From(LocalTopicEndpoint.TopicResourceId("orders")), 0, 10, CancellationToken.None);
        Assert.Equal("big-1", Assert.Single(stored).Id);
    }

    [Fact]
    public async Task Publish_OverThePublishLimit_Is413AtPublishNotAtDelivery_Issue13()
    {
        await using var server = await StartAsync();

        using var published = await PublishRawAsync(server, "orders", PaddedEventGridBatch("too-big", EventGridLimits.MaxPublishBytes + 1));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, published.StatusCode);
        Assert.Equal(0, Stats(server).Attempts);
    }

    [Fact]
    public void EnvelopeAllowance_CoversTheLongestTopicResourceId_Issue13()
    {
        // Longest Event Grid topic id: a domain topic in a 90-character resource group, 50-character domain and topic names.
        var topic = "/subscriptions/" + Guid.Empty + "/resourceGroups/" + new string('r', 90) + "/providers/Microsoft.EventGrid/domains/" + new string('d', 50) + "/topics/" + new string('t', 50);
        var envelope = $$""","topic":"{{topic}}","metadataVersion":"1",""";

        Assert.True(Encoding.UTF8.GetByteCount(envelope) <= EventGridLimits.MaxEnvelopeBytesPerEvent, $"{envelope.Length} bytes");
    }

    [Fact]
    public async Task Webhook_BodyOfTheLargestPossibleDelivery_Accepted_OneByteMore_413_Issue13()
    {
        await using var server = await StartAsync();

        using var tooLarge = await PostWebhookAsync(server, PaddedEventGridBatch("over", EventGridLimits.MaxDeliveryBytes + 1));
        using var accepted = await PostWebhookAsync(server, PaddedEventGridBatch("largest", EventGridLimits.MaxDeliveryBytes, LocalTopicEndpoint.TopicResourceId("orders")));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    /// <summary>A one-event Event Grid schema publish body of exactly <paramref name="size"/> bytes.</summary>
    private static byte[] PaddedEventGridBatch(string id, int size, string? topic = null)
    {
        var envelope = topic is null ? "" : $",\"topic\":\"{topic}\",\"metadataVersion\":\"1\"";
        string Json(int pad) => $$$"""[{"id":"{{{id}}}","subject":"orders/big","eventType":"Order.Big","dataVersion":"1","eventTime":"2026-12-01T00:00:00Z"{{{envelope}}},"data":{"pad":"{{{new string('x', pad)}}}"}}]""";
        var overhead = Encoding.UTF8.GetByteCount(Json(0));
        return Encoding.UTF8.GetBytes(Json(size - overhead));
    }

    private static async Task<HttpResponseMessage> PublishRawAsync(DevHostServer server, string topic, byte[] body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, TopicEndpoint(server, topic)) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.Add("aeg-sas-key", TopicKey);
        return await server.Client.SendAsync(request);
    }

    private static async Task<HttpResponseMessage> PostWebhookAsync(DevHostServer server, byte[] body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/eventgrid?code={EventPoster.Secret}") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.Add("aeg-event-type", "Notification");
        return await server.Client.SendAsync(request);
    }

    private Task<DevHostServer> StartAsync(Dictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var all = new Dictionary<string, string?>
        {
            ["LocalEventGrid:TopicKey"] = TopicKey,
            ["LocalEventGrid:TimeScale"] = "0.001",
            // These tests inspect the hand-off queue itself: the delivery function must not consume it.
            ["AzureWebJobs.RelayDelivery.Disabled"] = "true",
            ["Relay:Delivery:SafetyNetDelay"] = "00:00:00",
        };
        foreach (var (key, value) in settings ?? [])
        {
            all[key] = value;
        }

        return DevHostServer.StartAsync(azurite.ConnectionString, all, configure: builder => services?.Invoke(builder.Services));
    }

    private static LocalEventGridStats Stats(DevHostServer server) => server.Services.GetRequiredService<LocalEventGridStats>();

    private static Uri TopicEndpoint(DevHostServer server, string topic) => new(server.BaseAddress, $"/localeventgrid/topics/{topic}/api/events");

    private static EventGridPublisherClient Publisher(DevHostServer server, string topic) =>
        new(TopicEndpoint(server, topic), new AzureKeyCredential(TopicKey), NoRetries());

    private static EventGridPublisherClientOptions NoRetries()
    {
        var options = new EventGridPublisherClientOptions();
        options.Retry.MaxRetries = 0;
        return options;
    }

    /// <summary>Every id is in the stream exactly once, seqs are 1..N without gaps, and each seq was handed off exactly once.</summary>
    private static async Task AssertExactlyOnceAsync(DevHostServer server, string stream, IReadOnlyCollection<string> ids)
    {
        var log = server.Services.GetRequiredService<RelayEventLog>();
        var stored = await log.ReadAfterAsync(stream, 0, RelayEventLog.MaxReadLimit, CancellationToken.None);
        Assert.Equal(Enumerable.Range(1, ids.Count).Select(i => (long)i), stored.Select(e => e.Seq));
        Assert.Equal(ids.Order(StringComparer.Ordinal), stored.Select(e => e.Id).Order(StringComparer.Ordinal));

        var handOffs = RelayQueue.HandOffsPerSeq(await RelayQueue.DrainWhenHandedOffAsync(server.Services.GetRequiredService<DashboardStorage>(), stream), stream);
        Assert.Equal(Enumerable.Range(1, ids.Count).Select(i => (long)i), handOffs.Keys.Order());
        Assert.All(handOffs, h => Assert.True(h.Value == 1, $"seq {h.Key} was handed off {h.Value} times"));
    }

    /// <summary>The real queue hand-off, except that calls number failFromCall .. failFromCall+failCalls-1 fail (queue outage).</summary>
    private sealed class FlakyHandOff(int failFromCall, int failCalls) : IRelayHandOff
    {
        private IRelayHandOff? _inner;
        private int _calls;

        public IRelayHandOff Wrapping(IServiceProvider services)
        {
            _inner = new QueueRelayHandOff(services.GetRequiredService<DashboardStorage>(), services.GetRequiredService<Microsoft.Extensions.Options.IOptions<RelayOptions>>());
            return this;
        }

        public int Failed => Math.Clamp(Volatile.Read(ref _calls) - failFromCall + 1, 0, failCalls);

        public Task HandOffAsync(RelayDeliveryMessage message, CancellationToken cancellationToken)
        {
            var call = Interlocked.Increment(ref _calls);
            return call >= failFromCall && call < failFromCall + failCalls
                ? Task.FromException(new RequestFailedException(503, "queue outage (test)"))
                : _inner!.HandOffAsync(message, cancellationToken);
        }
    }
}
