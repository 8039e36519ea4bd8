using System.Diagnostics;
using System.Net;
using System.Net.ServerSentEvents;
using System.Text.Json;
using FunctionsDashboard.Sse;
using FunctionsDashboard.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Tests.Sse;

/// <summary>
/// <c>GET /api/events</c> and the history API over real HTTP on DevHost, fed through the real webhook: several streams
/// in one response, an opaque bounded cursor that resumes all of them exactly, bad input, resets (issue 12).
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class SseEndpointTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task NoStreamNamed_CarriesEveryStream_AndAMidStreamCursorResumesAllOfThemExactly()
    {
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString);
        await EventPoster.PostAsync(server.Client, "alpha", ["a1", "a2"]);
        await EventPoster.PostAsync(server.Client, "beta", ["b1"]);

        // The first event from the history API (naming no stream), the rest over SSE from its cursor.
        using var page = JsonDocument.Parse(await server.Client.GetStringAsync("/api/events/history?limit=1"));
        var firstSeen = page.RootElement.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("id").GetString()!).ToList();
        var start = page.RootElement.GetProperty("cursor").GetString()!;
        string mid;
        using (var first = await OpenAsync(server.Client, "/api/events", start))
        {
            var items = await first.TakeAsync(2);
            firstSeen.AddRange(items.Select(i => Id(i.Data)));
            mid = items[^1].EventId!;
        }

        // New events on old and new streams while the client is away.
        await EventPoster.PostAsync(server.Client, "alpha", ["a3"]);
        await EventPoster.PostAsync(server.Client, "gamma", ["g1", "g2"]);

        using var second = await OpenAsync(server.Client, "/api/events", mid);
        var rest = new List<string>();
        rest.AddRange((await second.TakeAsync(3)).Select(i => Id(i.Data)));
        await EventPoster.PostAsync(server.Client, "beta", ["b2"]);
        rest.AddRange((await second.TakeAsync(1)).Select(i => Id(i.Data)));

        var all = firstSeen.Concat(rest).ToList();
        Assert.Equal(all.Count, all.Distinct().Count()); // nothing repeated
        Assert.Equal(["a1", "a2", "a3", "b1", "b2", "g1", "g2"], all.Order(StringComparer.Ordinal)); // nothing missed
        AssertOrderedPerStream(all);
    }

    [Fact]
    public async Task LiveEvents_OfSeveralStreams_CarryCursorsThatResumeAfterEachOfThem()
    {
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString);
        await EventPoster.PostAsync(server.Client, "one", ["o0"]);
        using var live = await OpenAsync(server.Client, "/api/events?stream=one&stream=two*", null);
        await live.WaitForRetryAsync();
        await EventPoster.PostAsync(server.Client, "one", ["o1"]);
        await EventPoster.PostAsync(server.Client, "two.x", ["t1"]);
        await EventPoster.PostAsync(server.Client, "three", ["not-followed"]);
        await EventPoster.PostAsync(server.Client, "two.y", ["t2"]);
        var items = await live.TakeAsync(3);
        Assert.Equal(["o1", "t1", "t2"], items.Select(i => Id(i.Data)).Order(StringComparer.Ordinal)); // across streams in any order

        foreach (var (item, index) in items.Select((x, i) => (x, i)))
        {
            using var resumed = await OpenAsync(server.Client, "/api/events?stream=one&stream=two*", item.EventId);
            await resumed.WaitForRetryAsync();
            var expected = items.Skip(index + 1).Select(i => Id(i.Data)).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(expected, (await resumed.TakeAsync(expected.Count)).Select(i => Id(i.Data)).Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public async Task Cursor_StaysBounded_WhateverTheNumberOfStreams()
    {
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString);
        var start = await HistoryCursorAsync(server.Client, "/api/events/history?limit=1");
        using var live = await OpenAsync(server.Client, "/api/events", null);
        await live.WaitForRetryAsync();
        const int streams = 40;
        for (var i = 0; i < streams; i++)
        {
            await EventPoster.PostAsync(server.Client, $"many.s{i:D2}", [$"m{i}"]);
        }

        var items = await live.TakeAsync(streams);
        Assert.All(items, i => Assert.True(i.EventId!.Length <= SseCursor.MaxLength, $"cursor of {i.EventId!.Length} chars"));

        // The last cursor still resumes exactly: nothing more to come but what is posted next.
        using var resumed = await OpenAsync(server.Client, "/api/events", items[^1].EventId);
        await resumed.WaitForRetryAsync();
        await EventPoster.PostAsync(server.Client, "many.s07", ["after"]);
        Assert.Equal("after", Id((await resumed.TakeAsync(1))[0].Data));

        // History from the start, paged by its cursor, yields all 41 once.
        var seen = new List<string>();
        var cursor = start;
        for (var page = 0; page < 20; page++)
        {
            using var doc = JsonDocument.Parse(await server.Client.GetStringAsync($"/api/events/history?limit=7&cursor={Uri.EscapeDataString(cursor)}"));
            seen.AddRange(doc.RootElement.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("id").GetString()!));
            cursor = doc.RootElement.GetProperty("cursor").GetString()!;
            Assert.True(cursor.Length <= SseCursor.MaxLength);
            if (!doc.RootElement.GetProperty("more").GetBoolean())
            {
                break;
            }
        }

        Assert.Equal(streams + 1, seen.Count);
        Assert.Equal(seen.Count, seen.Distinct().Count());
    }

    [Fact]
    public async Task Untyped_SendsPlainMessagesForEventSourceOnMessage()
    {
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString);
        await EventPoster.PostAsync(server.Client, "untyped", ["u1"]);

        using var sse = await OpenAsync(server.Client, "/api/events?stream=untyped&typed=false&lastEventId=0", null);
        var item = Assert.Single(await sse.TakeAsync(1));

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

        using var response = await server.Client.GetAsync("/api/events", HttpCompletionOption.ResponseHeadersRead);
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

            Assert.Equal(["c1", "c2"], all.Select(i => Id(i.Data)));
            last = all[^1].EventId!;
        }

        await EventPoster.PostAsync(server.Client, "capped", ["c3"]);
        using var second = await OpenAsync(server.Client, "/api/events?stream=capped", last);
        Assert.Equal("c3", Id(Assert.Single(await second.TakeAsync(1)).Data));
    }

    [Fact]
    public async Task CursorFromOneInstance_ResumesExactlyOnAnother()
    {
        await using var a = await DevHostServer.StartAsync(azurite.ConnectionString);
        var prefix = a.Services.GetRequiredService<IOptions<StorageOptions>>().Value.Prefix;
        await using var b = await DevHostServer.StartAsync(azurite.ConnectionString, new Dictionary<string, string?> { ["Storage:Prefix"] = prefix });
        await EventPoster.PostAsync(a.Client, "shared.a", ["s1"]);
        using var live = await OpenAsync(a.Client, "/api/events?stream=shared.*", null);
        await live.WaitForRetryAsync();
        await EventPoster.PostAsync(a.Client, "shared.a", ["s2"]);
        await EventPoster.PostAsync(a.Client, "shared.b", ["s3"]);
        var cursor = (await live.TakeAsync(2))[^1].EventId;
        await EventPoster.PostAsync(a.Client, "shared.b", ["s4"]);
        await EventPoster.PostAsync(a.Client, "shared.a", ["s5"]);

        using var resumed = await OpenAsync(b.Client, "/api/events?stream=shared.*", cursor);
        var items = await resumed.TakeAsync(2);
        Assert.Equal(["s4", "s5"], items.Select(i => Id(i.Data)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ExpiredCursor_GetsAResetEvent_ThenTheOldestRetainedEvent_AndHistoryAFlag()
    {
        await using var a = await DevHostServer.StartAsync(azurite.ConnectionString);
        await EventPoster.PostAsync(a.Client, "expiring", ["x1", "x2"]);
        using var live = await OpenAsync(a.Client, "/api/events?stream=expiring", null);
        await live.WaitForRetryAsync();
        await EventPoster.PostAsync(a.Client, "expiring", ["x3"]);
        var cursor = (await live.TakeAsync(1))[0].EventId!;

        // The checkpoints the cursor refers to are gone (expired, as after Sse:CursorRetention); another instance, which
        // has none of them in memory, serves the resume.
        var prefix = a.Services.GetRequiredService<IOptions<StorageOptions>>().Value.Prefix;
        var storage = a.Services.GetRequiredService<DashboardStorage>();
        await foreach (var blob in storage.Container(CursorCheckpoints.ContainerName).GetBlobsAsync())
        {
            await storage.Container(CursorCheckpoints.ContainerName).DeleteBlobAsync(blob.Name);
        }

        await using var b = await DevHostServer.StartAsync(azurite.ConnectionString, new Dictionary<string, string?> { ["Storage:Prefix"] = prefix });
        using var sse = await OpenAsync(b.Client, "/api/events?stream=expiring", cursor);
        var items = await sse.TakeAsync(4);
        Assert.Equal("reset", items[0].EventType);
        using (var reset = JsonDocument.Parse(items[0].Data))
        {
            Assert.Equal("expiring", reset.RootElement.GetProperty("stream").GetString());
            Assert.Equal(0, reset.RootElement.GetProperty("resumeAfter").GetInt64());
        }

        Assert.Equal(["x1", "x2", "x3"], items.Skip(1).Select(i => Id(i.Data)));

        using var history = JsonDocument.Parse(await b.Client.GetStringAsync($"/api/events/history?stream=expiring&cursor={Uri.EscapeDataString(cursor)}"));
        Assert.True(history.RootElement.GetProperty("reset").GetBoolean());
        Assert.Equal(["x1", "x2", "x3"], history.RootElement.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task ThousandClients_NamingNoStream_AllReceiveABroadcast()
    {
        const int clients = 1000;
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue }) { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        var connected = 0;
        var allConnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        async Task<string?> Listen()
        {
            using var sse = await OpenAsync(http, "/api/events", null);
            await sse.WaitForRetryAsync(); // subscribed
            if (Interlocked.Increment(ref connected) == clients)
            {
                allConnected.TrySetResult();
            }

            return (await sse.TakeAsync(1))[0].Data;
        }

        var listeners = Enumerable.Range(0, clients).Select(_ => Task.Run(Listen)).ToList();
        await allConnected.Task.WaitAsync(TimeSpan.FromSeconds(90));
        await EventPoster.PostAsync(server.Client, "crowd", ["broadcast-1"]);

        var received = await Task.WhenAll(listeners).WaitAsync(TimeSpan.FromSeconds(90));

        Assert.Equal(clients, received.Count(d => Id(d!) == "broadcast-1"));
    }

    [Theory]
    [InlineData("/api/events/history?after=-1&stream=known", "after")]
    [InlineData("/api/events/history?after=x&stream=known", "after")]
    [InlineData("/api/events/history?after=0", "exactly one stream")]
    [InlineData("/api/events/history?after=0&stream=known&limit=0", "limit")]
    [InlineData("/api/events/history?after=0&stream=known&limit=5000", "limit")]
    [InlineData("/api/events/history?after=0&stream=Not%20A%20Stream", "exactly one stream")]
    [InlineData("/api/events?stream=Not%20A%20Stream", "Not A Stream")]
    [InlineData("/api/events?stream=nosuchstream", "nosuchstream")]
    [InlineData("/api/events/history?stream=nosuchstream", "nosuchstream")]
    [InlineData("/api/events?lastEventId=abc", "malformed")]
    [InlineData("/api/events?lastEventId=12", "one stream")]
    [InlineData("/api/events/history?cursor=AQ", "malformed")]
    public async Task BadInput_IsAProblemJson400_ThatNamesTheProblem(string url, string named)
    {
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString);
        await EventPoster.PostAsync(server.Client, "known", ["k1"]);

        using var response = await server.Client.GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(named, await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ForgedOrForeignCursors_AndOverLongStreamLists_Are400()
    {
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString);
        await EventPoster.PostAsync(server.Client, "known", ["k1"]);
        var cursor = await HistoryCursorAsync(server.Client, "/api/events/history?stream=known");

        var forged = cursor[..^3] + (cursor[^3] == 'A' ? "B" : "A") + cursor[^2..];
        using var forgedResponse = await server.Client.GetAsync($"/api/events/history?stream=known&cursor={Uri.EscapeDataString(forged)}");
        Assert.Equal(HttpStatusCode.BadRequest, forgedResponse.StatusCode);
        Assert.Contains("signature", await forgedResponse.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var foreign = await server.Client.GetAsync($"/api/events/history?cursor={Uri.EscapeDataString(cursor)}");
        Assert.Equal(HttpStatusCode.BadRequest, foreign.StatusCode);
        Assert.Contains("another set of streams", await foreign.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var many = string.Join('&', Enumerable.Range(0, 51).Select(i => $"stream=p{i}.*"));
        using var tooMany = await server.Client.GetAsync($"/api/events?{many}");
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.Contains("Too many streams", await tooMany.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task History_ByStreamAndSeq_ReturnsTheEventsAfterSeq_WithTheStreamHead()
    {
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString);
        await EventPoster.PostAsync(server.Client, "hist", ["h1", "h2", "h3", "h4"]);

        using var doc = JsonDocument.Parse(await server.Client.GetStringAsync("/api/events/history?after=1&limit=2&stream=hist"));

        Assert.Equal("hist", doc.RootElement.GetProperty("stream").GetString());
        Assert.Equal(4, doc.RootElement.GetProperty("lastSeq").GetInt64());
        Assert.False(doc.RootElement.GetProperty("reset").GetBoolean());
        Assert.Equal(["h2", "h3"], doc.RootElement.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("id").GetString()));

        using var other = JsonDocument.Parse(await server.Client.GetStringAsync("/api/events/history?after=1&stream=hist&generation=g-other"));
        Assert.True(other.RootElement.GetProperty("reset").GetBoolean());
    }

    [Fact]
    public async Task Streams_ListsEveryReadableStreamWithItsHead()
    {
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString);
        await EventPoster.PostAsync(server.Client, "listed.a", ["l1", "l2"]);
        await EventPoster.PostAsync(server.Client, "listed.b", ["l3"]);

        using var doc = JsonDocument.Parse(await server.Client.GetStringAsync("/api/events/streams"));

        var heads = doc.RootElement.GetProperty("streams").EnumerateArray().ToDictionary(s => s.GetProperty("stream").GetString()!, s => s.GetProperty("lastSeq").GetInt64());
        Assert.Equal(2, heads["listed.a"]);
        Assert.Equal(1, heads["listed.b"]);
    }

    internal static void AssertOrderedPerStream(IReadOnlyList<string> ids)
    {
        foreach (var group in ids.GroupBy(id => id[0]))
        {
            Assert.Equal(group.Order(StringComparer.Ordinal), group);
        }
    }

    internal static async Task<string> HistoryCursorAsync(HttpClient client, string url)
    {
        using var doc = JsonDocument.Parse(await client.GetStringAsync(url));
        return doc.RootElement.GetProperty("cursor").GetString()!;
    }

    internal static async Task<SseConnection> OpenAsync(HttpClient client, string url, string? lastEventId)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            Assert.Fail($"{url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return new SseConnection(response, await response.Content.ReadAsStreamAsync());
    }

    internal static string Id(string data)
    {
        using var json = JsonDocument.Parse(data);
        return json.RootElement.GetProperty("id").GetString()!;
    }

    /// <summary>An open SSE response, read frame by frame (a small parser that also reports the retry hint).</summary>
    internal sealed class SseConnection(HttpResponseMessage response, Stream body) : IDisposable
    {
        private readonly StreamReader _reader = new(body);
        private bool _retrySeen;

        /// <summary>Waits for the retry hint, which the server writes once this response is subscribed.</summary>
        public async Task WaitForRetryAsync()
        {
            while (!_retrySeen)
            {
                Assert.Null(await NextAsync());
            }
        }

        public async Task<List<SseItem<string>>> TakeAsync(int count)
        {
            var result = new List<SseItem<string>>();
            var deadline = Stopwatch.StartNew();
            while (result.Count < count)
            {
                Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), $"only {result.Count} of {count} events within 30 s");
                if (await NextAsync() is { } item)
                {
                    result.Add(item);
                }
            }

            return result;
        }

        // The next frame: an item (data), or null for a frame without data (retry hint, comment).
        private async Task<SseItem<string>?> NextAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            string? id = null, type = null, data = null;
            while (true)
            {
                var line = await _reader.ReadLineAsync(timeout.Token).AsTask().WaitAsync(timeout.Token) ?? throw new InvalidOperationException("the stream ended early");
                if (line.Length == 0)
                {
                    return data is null ? null : new SseItem<string>(data, type ?? "message") { EventId = id };
                }

                var colon = line.IndexOf(':');
                var field = colon < 0 ? line : line[..colon];
                var value = colon < 0 ? string.Empty : line[(colon + 1)..].TrimStart(' ');
                switch (field)
                {
                    case "id": id = value; break;
                    case "event": type = value; break;
                    case "data": data = data is null ? value : data + "\n" + value; break;
                    case "retry": _retrySeen = true; break;
                }
            }
        }

        public void Dispose()
        {
            _reader.Dispose();
            response.Dispose();
        }
    }
}
