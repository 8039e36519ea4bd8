using FunctionsDashboard.Relay;
using FunctionsDashboard.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsDashboard.Tests.DevHost.FunctionRunners;

/// <summary>
/// DevHost's queue trigger: it creates its queue once, not before every receive, and again when a poll failed (the
/// queue was deleted under it), then runs what arrives on it.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class QueueFunctionRunnerTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task QueueDeletedWhileRunning_CreatedAgainAfterTheFailedPoll_ThenItsMessagesRun()
    {
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString);
        var storage = server.Services.GetRequiredService<DashboardStorage>();
        var queue = storage.Queue(RelayStorageNames.DeliveryQueue);
        Assert.True((await queue.ExistsAsync()).Value);

        await queue.DeleteAsync();

        // Nothing else creates it while the app runs: the runner's next receive fails, the one after creates it.
        await Eventually.WaitAsync(async () => (await queue.ExistsAsync()).Value, exists => exists, TimeSpan.FromSeconds(30), "the queue created again by the runner");

        // And the runner takes what arrives: a hand-off of a range this app never committed is received and settled or
        // moved on, never left on the queue.
        await queue.SendMessageAsync(RelayDeliveryMessage.For("orders", 1, 1).ToJson());
        await Eventually.WaitAsync(
            async () => (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount,
            count => count == 0,
            TimeSpan.FromSeconds(30),
            "the message taken off the queue");
    }
}
