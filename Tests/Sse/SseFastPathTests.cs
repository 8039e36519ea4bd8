using FunctionsDashboard.EventLog;
using FunctionsDashboard.Sse;
using FunctionsDashboard.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using static FunctionsDashboard.Tests.Sse.SseEndpointTests;

namespace FunctionsDashboard.Tests.Sse;

/// <summary>
/// The fan-out's two inputs over real HTTP on DevHost (issue 11 item 3): this instance's commits through the commit
/// listener, with the poll held still (the fan-out runs on a fake clock that is never advanced), and another instance's
/// commits through the poll, with the poll ticked by hand. Every client gets every event once, in seq order per stream,
/// and every cursor (shared between responses at the same position) resumes exactly after its event.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class SseFastPathTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task OwnCommits_ReachEveryClient_ThroughTheListenerAlone_InOrder_AndEveryCursorResumesExactly()
    {
        var fanoutTime = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await StartAsync(fanoutTime);
        await EventPoster.PostAsync(server.Client, "fast.a", ["a00"]);
        await EventPoster.PostAsync(server.Client, "fast.b", ["b00"]);

        // Two subscriptions: eight responses follow both streams, four only fast.a.
        var both = new List<SseConnection>();
        var onlyA = new List<SseConnection>();
        try
        {
            for (var i = 0; i < 12; i++)
            {
                var connection = await OpenAsync(server.Client, i % 3 == 2 ? "/api/events?stream=fast.a" : "/api/events?stream=fast.*", null);
                await connection.WaitForRetryAsync();
                (i % 3 == 2 ? onlyA : both).Add(connection);
            }

            var posted = new List<string>();
            for (var n = 1; n <= 20; n++)
            {
                var id = (n % 2 == 0 ? "a" : "b") + n.ToString("D2");
                posted.Add(id);
                await EventPoster.PostAsync(server.Client, n % 2 == 0 ? "fast.a" : "fast.b", [id]);
            }

            // The fan-out's poll never ticked (its clock stands still): all of this came through the commit listener.
            var bothItems = await Task.WhenAll(both.Select(c => c.TakeAsync(posted.Count)));
            var onlyAItems = await Task.WhenAll(onlyA.Select(c => c.TakeAsync(posted.Count(p => p[0] == 'a'))));
            foreach (var items in bothItems)
            {
                var ids = items.Select(i => Id(i.Data)).ToList();
                Assert.Equal(posted.Order(StringComparer.Ordinal), ids.Order(StringComparer.Ordinal));
                AssertOrderedPerStream(ids);
            }

            foreach (var items in onlyAItems)
            {
                Assert.Equal(posted.Where(p => p[0] == 'a'), items.Select(i => Id(i.Data)));
            }

            // Responses of one subscription at the same position carry the same cursor; each resumes exactly after its event.
            Assert.All(bothItems, items => Assert.Equal(bothItems[0].Select(i => i.EventId), items.Select(i => i.EventId)));
            await AssertResumesAsync(server, "/api/events?stream=fast.*", bothItems[0], index: 6);
            await AssertResumesAsync(server, "/api/events?stream=fast.a", onlyAItems[0], index: 3);
        }
        finally
        {
            foreach (var connection in both.Concat(onlyA))
            {
                connection.Dispose();
            }
        }
    }

    [Fact]
    public async Task CommitsOfBothInstancesOnOneStream_ReachAClientOfOne_OnceAndInOrder_WhenItsPollTicks()
    {
        var fanoutTime = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var a = await StartAsync(fanoutTime);
        var prefix = a.Services.GetRequiredService<IOptions<StorageOptions>>().Value.Prefix;
        await using var b = await DevHostServer.StartAsync(azurite.ConnectionString, new Dictionary<string, string?> { ["Storage:Prefix"] = prefix });
        await EventPoster.PostAsync(a.Client, "shared.s", ["s00"]);
        using var live = await OpenAsync(a.Client, "/api/events?stream=shared.s", null);
        await live.WaitForRetryAsync();

        // Alternating instances: a's own commits then have gaps (b's events between), which a reads from the log; the
        // last one is b's, which only the poll finds (a stream committed here gets one poll's grace before it is read).
        var posted = new List<string>();
        for (var n = 1; n <= 11; n++)
        {
            var id = "s" + n.ToString("D2");
            posted.Add(id);
            await EventPoster.PostAsync(n % 2 == 0 ? a.Client : b.Client, "shared.s", [id]);
        }

        var received = new List<string>();
        using var ticking = new CancellationTokenSource();
        var ticker = Task.Run(async () =>
        {
            while (!ticking.IsCancellationRequested)
            {
                fanoutTime.Advance(TimeSpan.FromMilliseconds(200));
                await Task.Delay(50, CancellationToken.None);
            }
        });
        try
        {
            received.AddRange((await live.TakeAsync(posted.Count)).Select(i => Id(i.Data)));
        }
        finally
        {
            await ticking.CancelAsync();
            await ticker;
        }

        Assert.Equal(posted, received);
    }

    private async Task<DevHostServer> StartAsync(FakeTimeProvider fanoutTime) =>
        await DevHostServer.StartAsync(azurite.ConnectionString, configure: builder =>
            builder.Services.Replace(ServiceDescriptor.Singleton(sp => new EventFanout(
                sp.GetRequiredService<IEventLogReader>(),
                sp.GetRequiredService<CursorCheckpoints>(),
                sp.GetRequiredService<IOptions<SseOptions>>(),
                fanoutTime,
                sp.GetRequiredService<ILogger<EventFanout>>()))));

    private static async Task AssertResumesAsync(DevHostServer server, string url, List<System.Net.ServerSentEvents.SseItem<string>> items, int index)
    {
        using var resumed = await OpenAsync(server.Client, url, items[index].EventId);
        await resumed.WaitForRetryAsync();
        var rest = items.Skip(index + 1).Select(i => Id(i.Data)).ToList();
        Assert.Equal(rest.Order(StringComparer.Ordinal), (await resumed.TakeAsync(rest.Count)).Select(i => Id(i.Data)).Order(StringComparer.Ordinal));
    }
}
