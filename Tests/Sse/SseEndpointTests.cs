using System.Net;
using System.Net.ServerSentEvents;
using System.Text.Json;
using FunctionsDashboard.Tests.Infrastructure;

namespace FunctionsDashboard.Tests.Sse;

/// <summary><c>GET /api/events</c> and the history API over real HTTP on DevHost, fed through the real webhook.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class SseEndpointTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Resume_WithLastEventId_YieldsExactlyTheMissedEvents_ThenLiveOnes()
    {
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString);
        await EventPoster.PostAsync(server.Client, "resume", ["e1", "e2", "e3", "e4", "e5"]);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/events?stream=resume");
        request.Headers.Add("Last-Event-ID", "2");
        using var response = await server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        await using var body = await response.Content.ReadAsStreamAsync();
        var items = SseParser.Create(body).EnumerateAsync().GetAsyncEnumerator();

        var replayed = await Take(items, 3);
        Assert.Equal(["3", "4", "5"], replayed.Select(i => i.EventId));
        Assert.Equal(["e3", "e4", "e5"], replayed.Select(i => Id(i.Data)));
        Assert.All(replayed, i => Assert.Equal("ops.metric", i.EventType));

        await EventPoster.PostAsync(server.Client, "resume", ["e6", "e7"]);
        var live = await Take(items, 2);
        Assert.Equal(["6", "7"], live.Select(i => i.EventId));
    }

    [Fact]
    public async Task Untyped_SendsPlainMessagesForEventSourceOnMessage()
    {
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString);
        await EventPoster.PostAsync(server.Client, "untyped", ["u1"]);

        using var response = await server.Client.GetAsync("/api/events?stream=untyped&typed=false&lastEventId=0", HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        var item = Assert.Single(await Take(SseParser.Create(body).EnumerateAsync().GetAsyncEnumerator(), 1));

        Assert.Equal("message", item.EventType);
        using var json = JsonDocument.Parse(item.Data);
        Assert.Equal(1, json.RootElement.GetProperty("seq").GetInt64());
        Assert.Equal("untyped", json.RootElement.GetProperty("stream").GetString());
        Assert.Equal("u1", json.RootElement.GetProperty("data").GetProperty("value").GetString());
    }

    [Fact]
    public async Task QuietStream_SendsHeartbeatComments()
    {
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString, new Dictionary<string, string?>
        {
            ["Dashboard:HeartbeatInterval"] = "00:00:01",
            ["Dashboard:StaleTimeout"] = "00:00:05",
        });

        using var response = await server.Client.GetAsync("/api/events?stream=quiet", HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var lines = new List<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (lines.Count(l => l.StartsWith(':')) < 2)
        {
            lines.Add(await reader.ReadLineAsync(timeout.Token) ?? throw new InvalidOperationException("stream ended"));
        }

        Assert.StartsWith("retry: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(": heartbeat", lines);
    }

    [Fact]
    public async Task Cap_EndsTheStream_AndTheClientResumesWhereItWas()
    {
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString, new Dictionary<string, string?> { ["Sse:MaxStreamDuration"] = "00:00:05" });
        await EventPoster.PostAsync(server.Client, "capped", ["c1", "c2"]);

        string last;
        using (var first = await server.Client.GetAsync("/api/events?stream=capped&lastEventId=0", HttpCompletionOption.ResponseHeadersRead))
        {
            var all = new List<SseItem<string>>();
            await foreach (var item in SseParser.Create(await first.Content.ReadAsStreamAsync()).EnumerateAsync())
            {
                all.Add(item); // the enumeration ends when the server ends the response at the cap
            }

            Assert.Equal(["1", "2"], all.Select(i => i.EventId));
            last = all[^1].EventId!;
        }

        await EventPoster.PostAsync(server.Client, "capped", ["c3"]);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/events?stream=capped");
        request.Headers.Add("Last-Event-ID", last);
        using var second = await server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var next = Assert.Single(await Take(SseParser.Create(await second.Content.ReadAsStreamAsync()).EnumerateAsync().GetAsyncEnumerator(), 1));
        Assert.Equal("3", next.EventId);
    }

    [Fact]
    public async Task ThousandClients_AllReceiveABroadcast()
    {
        const int clients = 1000;
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue }) { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        var connected = 0;
        var allConnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        async Task<string?> Listen()
        {
            using var response = await http.GetAsync("/api/events?stream=crowd", HttpCompletionOption.ResponseHeadersRead);
            await using var body = await response.Content.ReadAsStreamAsync();
            if (Interlocked.Increment(ref connected) == clients)
            {
                allConnected.TrySetResult();
            }

            var items = SseParser.Create(body).EnumerateAsync().GetAsyncEnumerator();
            return (await Take(items, 1))[0].Data;
        }

        var listeners = Enumerable.Range(0, clients).Select(_ => Task.Run(Listen)).ToList();
        await allConnected.Task.WaitAsync(TimeSpan.FromSeconds(90));
        await EventPoster.PostAsync(server.Client, "crowd", ["broadcast-1"]);

        var received = await Task.WhenAll(listeners).WaitAsync(TimeSpan.FromSeconds(90));

        Assert.Equal(clients, received.Count(d => Id(d!) == "broadcast-1"));
    }

    [Theory]
    [InlineData("/api/events/history", HttpStatusCode.BadRequest)]
    [InlineData("/api/events/history?after=-1", HttpStatusCode.BadRequest)]
    [InlineData("/api/events/history?after=x", HttpStatusCode.BadRequest)]
    [InlineData("/api/events/history?after=0&limit=0", HttpStatusCode.BadRequest)]
    [InlineData("/api/events/history?after=0&limit=5000", HttpStatusCode.BadRequest)]
    [InlineData("/api/events/history?after=0&stream=Not%20A%20Stream", HttpStatusCode.BadRequest)]
    [InlineData("/api/events?stream=Not%20A%20Stream", HttpStatusCode.BadRequest)]
    [InlineData("/api/events?lastEventId=abc", HttpStatusCode.BadRequest)]
    public async Task BadParameters_AreProblemJson400(string url, HttpStatusCode expected)
    {
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString);

        using var response = await server.Client.GetAsync(url);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task History_ReturnsTheEventsAfterSeq_WithTheStreamHead()
    {
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString);
        await EventPoster.PostAsync(server.Client, "hist", ["h1", "h2", "h3", "h4"]);

        using var doc = JsonDocument.Parse(await server.Client.GetStringAsync("/api/events/history?after=1&limit=2&stream=hist"));

        Assert.Equal("hist", doc.RootElement.GetProperty("stream").GetString());
        Assert.Equal(4, doc.RootElement.GetProperty("lastSeq").GetInt64());
        Assert.Equal(["h2", "h3"], doc.RootElement.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("id").GetString()));
    }

    private static string Id(string data)
    {
        using var json = JsonDocument.Parse(data);
        return json.RootElement.GetProperty("id").GetString()!;
    }

    private static async Task<List<SseItem<string>>> Take(IAsyncEnumerator<SseItem<string>> items, int count)
    {
        var result = new List<SseItem<string>>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (result.Count < count)
        {
            Assert.True(await items.MoveNextAsync().AsTask().WaitAsync(timeout.Token), "the stream ended early");
            result.Add(items.Current);
        }

        return result;
    }
}
