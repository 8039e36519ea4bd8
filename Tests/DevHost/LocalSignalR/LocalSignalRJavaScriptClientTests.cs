using System.Text.Json;

namespace FunctionsDashboard.Tests.DevHost.LocalSignalR;

/// <summary>
/// The real <c>@microsoft/signalr</c> JavaScript client (Node, <c>Tests/js/local-signalr-client.mjs</c>) against
/// DevHost's local SignalR Service, through the full serverless flow: the app's negotiate (here the recorder's stand-in)
/// answers <c>{url, accessToken}</c>, the client follows it to the local Service, connects, invokes <c>heartbeat</c>
/// and receives a REST broadcast.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class LocalSignalRJavaScriptClientTests(AzuriteFixture azurite)
{
    [Theory]
    [InlineData("WebSockets")]
    [InlineData("ServerSentEvents")]
    [InlineData("LongPolling")]
    public async Task JavaScriptClient_NegotiateRedirect_ConnectsInvokesAndReceivesBroadcast(string transport)
    {
        await using var harness = await LocalSignalRHarness.StartAsync(azurite);
        harness.Upstream.Negotiate = () => (harness.ClientUrl(), harness.Tokens.CreateClientToken("dashboard", "js-user"));
        harness.Upstream.Reply = call => call.Event == "heartbeat"
            ? (200, """{"type":3,"invocationId":"1","result":{"ok":true}}""" + "\u001e")
            : (200, null);

        await using var node = NodeScript.Start("local-signalr-client.mjs", new Dictionary<string, string>
        {
            ["SIGNALR_URL"] = new Uri(harness.Upstream.BaseAddress, "/api").AbsoluteUri,
            ["SIGNALR_TRANSPORT"] = transport,
        });
        var connectionId = (await node.NextAsync("connected")).GetString()!;
        var heartbeat = await node.NextAsync("heartbeat");
        await harness.Rest.SendToAllAsync("event", [new { seq = 1, type = "demo" }], CancellationToken.None);
        var received = await node.NextAsync("event");
        await node.NextAsync("stopped");

        Assert.True(heartbeat.GetProperty("ok").GetBoolean(), node.Output);
        Assert.Equal(1, received.GetProperty("seq").GetInt32());
        Assert.Equal("demo", received.GetProperty("type").GetString());
        Assert.Equal(0, await node.WaitForExitAsync());
        var connected = await harness.Upstream.WaitForAsync("connected", connectionId);
        Assert.Equal("js-user", connected.Headers["X-ASRS-User-Id"]);
        if (transport == "ServerSentEvents")
        {
            // EventSource cannot send headers: the token came in the access_token query, which the app sees upstream.
            Assert.Contains("access_token=", connected.Headers["X-ASRS-Client-Query"], StringComparison.Ordinal);
        }

        var invocation = await harness.Upstream.WaitForAsync("heartbeat", connectionId);
        using var frame = JsonDocument.Parse(invocation.Body);
        Assert.Equal(0, frame.RootElement.GetProperty("arguments")[0].GetProperty("lastSeq").GetInt32());
        await harness.Upstream.WaitForAsync("disconnected", connectionId);
    }
}
