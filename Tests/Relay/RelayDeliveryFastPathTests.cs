using System.Collections.Concurrent;
using System.Text.Json;
using FunctionsDashboard.Relay;
using FunctionsDashboard.Storage;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsDashboard.Tests.Relay;

/// <summary>
/// The fast path end to end (issue 11 item 3): DevHost with the queue-triggered <c>RelayDelivery</c> function disabled,
/// so only the event log's commit listener can push. Events published through the webhook reach a real SignalR client
/// through the local Service, in seq order, and the hand-off messages are still on the queue (the safety net did not
/// send them).
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class RelayDeliveryFastPathTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Publish_QueueFunctionDisabled_EveryEventReachesTheClientInSeqOrderThroughTheCommitListener()
    {
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString, new Dictionary<string, string?>
        {
            ["AzureWebJobs.RelayDelivery.Disabled"] = "true",
        });
        var received = new ConcurrentQueue<(string Stream, long Seq, string Id)>();
        await using var connection = new HubConnectionBuilder().WithUrl(new Uri(server.BaseAddress, "api")).Build();
        void Receive(JsonElement e) => received.Enqueue((e.GetProperty("stream").GetString()!, e.GetProperty("seq").GetInt64(), e.GetProperty("id").GetString()!));
        connection.On<JsonElement>(RelayDelivery.HubTarget, Receive);
        connection.On<JsonElement[]>(RelayDelivery.BatchHubTarget, batch => Array.ForEach(batch, Receive));
        await connection.StartAsync();

        // The connection joins its audience group on `connected` (upstream, asynchronous): probe until a push arrives.
        var probes = 0;
        await Eventually.WaitAsync(
            async () =>
            {
                await EventPoster.PostAsync(server.Client, "/fastpath/probe", [$"probe-{probes++}"]);
                await Task.Delay(200);
                return received.Count;
            },
            n => n > 0,
            TimeSpan.FromSeconds(20),
            "a first push to the new connection");

        var ids = Enumerable.Range(1, 60).Select(i => $"fast-{i:D3}").ToList();
        foreach (var batch in ids.Chunk(6))
        {
            await EventPoster.PostAsync(server.Client, "/fastpath/orders", batch);
        }

        var stream = StreamName.From("/fastpath/orders");
        await Eventually.WaitAsync(
            () => Task.FromResult(received.Count(r => r.Stream == stream)),
            n => n >= ids.Count,
            TimeSpan.FromSeconds(20),
            "every event of the stream at the client");
        var orders = received.Where(r => r.Stream == stream).ToList();
        Assert.Equal(Enumerable.Range(1, ids.Count).Select(i => (long)i), orders.Select(r => r.Seq));
        Assert.Equal(ids, orders.Select(r => r.Id));

        // The safety net never ran: the hand-offs of those commits are still waiting on the queue.
        var queue = server.Services.GetRequiredService<DashboardStorage>().Queue(RelayStorageNames.DeliveryQueue);
        var properties = await queue.GetPropertiesAsync();
        Assert.True(properties.Value.ApproximateMessagesCount > 0, "the hand-off messages should still be on the queue");
    }
}
