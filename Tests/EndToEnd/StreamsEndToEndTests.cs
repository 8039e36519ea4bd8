using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using FunctionsDashboard.SignalR;
using FunctionsDashboard.Tests.Sse;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsDashboard.Tests.EndToEnd;

/// <summary>
/// Issue 12, end to end on DevHost: three producers (two CloudEvents sources and an EventGridSchema batch whose topic is
/// a full Azure resource id) reach a stock @microsoft/signalr client, a .NET SignalR client that is forced to reconnect
/// and gap-fills per stream, and a raw SSE client that names no stream and resumes from a mid-stream cursor: each gets
/// all three streams, gap-free and duplicate-free.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class StreamsEndToEndTests(AzuriteFixture azurite)
{
    private const string ResourceTopic = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dash/providers/Microsoft.EventGrid/topics/orders-prod";
    private const string ResourceStream = "microsoft.eventgrid-topics-orders-prod";
    private static readonly string[] Streams = ["producer-a", "producer-b", ResourceStream];

    [Fact]
    public async Task ThreeProducers_ReachSignalRAndSseClients_AcrossAReconnectAndAMidStreamResume_GapFreeAndDuplicateFree()
    {
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString);
        var expected = new List<string>();

        // The stock JavaScript client, naming no stream.
        const int jsExpected = 6;
        await using var js = NodeScript.Start("local-signalr-client.mjs", new Dictionary<string, string>
        {
            ["SIGNALR_URL"] = new Uri(server.BaseAddress, "api").AbsoluteUri,
            ["SIGNALR_EXPECT"] = jsExpected.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["SIGNALR_TIMEOUT_MS"] = "60000",
        });
        await js.NextAsync("connected");
        await js.NextAsync("heartbeat");

        // A .NET client, forced to reconnect later; it fills gaps per stream from the history API.
        var dotnetSeen = new ConcurrentDictionary<string, long>();
        var dotnetIds = new ConcurrentQueue<string>();
        await using var hub = new HubConnectionBuilder().WithUrl(new Uri(server.BaseAddress, "api")).WithAutomaticReconnect([TimeSpan.Zero, TimeSpan.FromSeconds(1)]).Build();
        hub.On<JsonElement>("event", e => Record(e, dotnetIds));
        await hub.StartAsync();
        await hub.InvokeAsync<JsonElement>(FunctionsDashboard.Hub.DashboardHubHandlers.Subscribe);

        // The raw SSE client, naming no stream.
        var sseIds = new List<string>();
        using var sseResponse = await server.Client.GetAsync("/api/events", HttpCompletionOption.ResponseHeadersRead);
        var sse = new SseEndpointTests.SseConnection(sseResponse, await sseResponse.Content.ReadAsStreamAsync());
        await sse.WaitForRetryAsync();

        // Round 1: one event per producer, each client gets all three streams.
        expected.AddRange(await PublishRoundAsync(server, 1));
        foreach (var line in await TakeEventsAsync(js, 3))
        {
            Assert.Contains(line, expected);
        }

        var round1 = await sse.TakeAsync(3);
        sseIds.AddRange(round1.Select(i => SseEndpointTests.Id(i.Data)));
        var midCursor = round1[^1].EventId!;

        // The SSE client goes away mid-stream; the .NET client's connection is closed by the Service (forced reconnect).
        sse.Dispose();
        var reconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.Reconnected += _ => { reconnected.TrySetResult(); return Task.CompletedTask; };
        await server.Services.GetRequiredService<SignalRRestClient>().CloseConnectionAsync(hub.ConnectionId!, "forced reconnect", CancellationToken.None);
        expected.AddRange(await PublishRoundAsync(server, 2)); // while both are away
        await reconnected.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await hub.InvokeAsync<JsonElement>(FunctionsDashboard.Hub.DashboardHubHandlers.Subscribe);
        await GapFillAsync(server, dotnetIds);

        // The SSE client resumes from its mid-stream cursor.
        using var resumedResponse = await SendWithCursorAsync(server, midCursor);
        using var resumed = new SseEndpointTests.SseConnection(resumedResponse, await resumedResponse.Content.ReadAsStreamAsync());
        sseIds.AddRange((await resumed.TakeAsync(3)).Select(i => SseEndpointTests.Id(i.Data)));

        // Round 3 live to everyone.
        expected.AddRange(await PublishRoundAsync(server, 3));
        sseIds.AddRange((await resumed.TakeAsync(3)).Select(i => SseEndpointTests.Id(i.Data)));
        foreach (var line in await TakeEventsAsync(js, 3))
        {
            Assert.Contains(line, expected);
        }

        await Eventually.WaitAsync(() => Task.FromResult(dotnetIds.Distinct().Count()), n => n >= expected.Count, TimeSpan.FromSeconds(30), "the .NET client to have every event");
        await GapFillAsync(server, dotnetIds);

        Assert.Equal(expected.Order(StringComparer.Ordinal), sseIds.Order(StringComparer.Ordinal)); // all, once each
        Assert.Equal(expected.Order(StringComparer.Ordinal), dotnetIds.Distinct().Order(StringComparer.Ordinal));
        SseEndpointTests.AssertOrderedPerStream(sseIds);

        // Every stream is filed where the issue expects it, the resource-id topic under its provider path.
        using var streams = JsonDocument.Parse(await server.Client.GetStringAsync("/api/events/streams"));
        var names = streams.RootElement.GetProperty("streams").EnumerateArray().Select(s => s.GetProperty("stream").GetString()).ToList();
        Assert.All(Streams, s => Assert.Contains(s, names));

        void Record(JsonElement e, ConcurrentQueue<string> into)
        {
            into.Enqueue(e.GetProperty("id").GetString()!);
            dotnetSeen.AddOrUpdate(e.GetProperty("stream").GetString()!, e.GetProperty("seq").GetInt64(), (_, old) => Math.Max(old, e.GetProperty("seq").GetInt64()));
        }

        async Task GapFillAsync(DevHostServer s, ConcurrentQueue<string> into)
        {
            foreach (var stream in Streams)
            {
                using var doc = JsonDocument.Parse(await s.Client.GetStringAsync($"/api/events/history?stream={stream}&after={dotnetSeen.GetValueOrDefault(stream)}"));
                foreach (var e in doc.RootElement.GetProperty("events").EnumerateArray())
                {
                    Record(e, into);
                }
            }
        }
    }

    private static async Task<HttpResponseMessage> SendWithCursorAsync(DevHostServer server, string cursor)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/events");
        request.Headers.Add("Last-Event-ID", cursor);
        var response = await server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response;
    }

    private static async Task<List<string>> TakeEventsAsync(NodeScript js, int count)
    {
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            ids.Add((await js.NextAsync("event")).GetProperty("id").GetString()!);
        }

        return ids;
    }

    // One event from each producer: two CloudEvents sources and an EventGridSchema batch with a resource-id topic.
    private static async Task<List<string>> PublishRoundAsync(DevHostServer server, int round)
    {
        await EventPoster.PostAsync(server.Client, "/producer-a", [$"a-{round}"]);
        await EventPoster.PostAsync(server.Client, "/producer-b", [$"b-{round}"]);
        var batch = new[]
        {
            new Dictionary<string, object?>
            {
                ["id"] = $"o-{round}",
                ["topic"] = ResourceTopic,
                ["subject"] = "orders/1",
                ["eventType"] = "Orders.Created",
                ["eventTime"] = "2026-12-01T12:00:00Z",
                ["dataVersion"] = "1.0",
                ["metadataVersion"] = "1",
                ["data"] = new { round },
            },
        };
        using var content = new StringContent(JsonSerializer.Serialize(batch), Encoding.UTF8, "application/json");
        content.Headers.Add("aeg-event-type", "Notification");
        using var response = await server.Client.PostAsync($"/api/eventgrid?code={EventPoster.Secret}", content);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"webhook answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return [$"a-{round}", $"b-{round}", $"o-{round}"];
    }
}
