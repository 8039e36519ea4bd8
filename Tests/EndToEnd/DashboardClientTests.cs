using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using FunctionsDashboard.Connections;
using FunctionsDashboard.Health;
using FunctionsDashboard.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsDashboard.Tests.EndToEnd;

/// <summary>
/// Real SignalR clients (.NET and @microsoft/signalr) against DevHost: negotiate through the app, connect to the local
/// SignalR Service, upstream calls into the registry, REST broadcasts back — every hop over loopback HTTP.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class DashboardClientTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task DotNetClient_WithUrlBaseApi_NegotiatesConnectsHeartbeatsAndLeaves()
    {
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString);
        var registry = server.Services.GetRequiredService<ConnectionRegistry>();
        await using var connection = new HubConnectionBuilder().WithUrl(new Uri(server.BaseAddress, "api")).Build();

        await connection.StartAsync();
        var id = connection.ConnectionId!;
        var registered = await Eventually.WaitAsync(() => registry.GetAsync(id, default), r => r is not null, TimeSpan.FromSeconds(15), "the connection in the registry");
        Assert.StartsWith("anonymous-", registered!.UserId, StringComparison.Ordinal);
        Assert.Equal(1, await LiveCount(server));

        await connection.InvokeAsync("heartbeat");
        var refreshed = await registry.GetAsync(id, default);
        Assert.True(refreshed!.LastSeen > registered.LastSeen, "the heartbeat did not move last-seen");

        await connection.StopAsync();
        await Eventually.WaitAsync(() => LiveCount(server), c => c == 0, TimeSpan.FromSeconds(15), "the disconnect to remove the connection");
    }

    [Fact]
    public async Task JavaScriptClient_WithUrlBaseApi_ConnectsAndReceivesABroadcast()
    {
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString);
        await using var script = NodeScript.Start("local-signalr-client.mjs", new Dictionary<string, string>
        {
            ["SIGNALR_URL"] = new Uri(server.BaseAddress, "api").AbsoluteUri,
            ["SIGNALR_EXPECT"] = "1",
        });

        var connected = (await script.NextAsync("connected")).GetString()!;
        await script.NextAsync("heartbeat");
        Assert.NotNull(await server.Services.GetRequiredService<ConnectionRegistry>().GetAsync(connected, default));
        await server.Services.GetRequiredService<SignalRRestClient>().SendToAllAsync("event", [new { id = "js-1", seq = 1 }], default);

        var received = await script.NextAsync("event");
        Assert.Equal("js-1", received.GetProperty("id").GetString());
        await script.NextAsync("stopped");
        await Eventually.WaitAsync(() => LiveCount(server), c => c == 0, TimeSpan.FromSeconds(15), "the JS client's disconnect");
    }

    [Fact]
    public async Task StartupRace_FiftyClientsBeforeReady_GetRetryAfterThenConnect_NoneDropped()
    {
        const int clients = 50;
        var gate = new GateStep();
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString, waitUntilReady: false,
            configure: b => b.Services.AddSingleton<IStartupStep>(gate));
        var refusals = 0;
        var closedAfterConnect = new ConcurrentBag<string>();
        var refusedOnce = new CountdownEvent(clients);
        using var http = new HttpClient { BaseAddress = server.BaseAddress };

        async Task<HubConnection> Connect(int i)
        {
            var refused = false;
            while (true)
            {
                // A dashboard negotiates; while the app starts it is told 503 + Retry-After and waits that long.
                using var negotiate = await http.PostAsync("/api/negotiate", null);
                if (negotiate.StatusCode == HttpStatusCode.ServiceUnavailable)
                {
                    Assert.NotNull(negotiate.Headers.RetryAfter?.Delta);
                    Interlocked.Increment(ref refusals);
                    if (!refused)
                    {
                        refused = true;
                        refusedOnce.Signal();
                    }

                    await Task.Delay(negotiate.Headers.RetryAfter!.Delta!.Value);
                    continue;
                }

                Assert.Equal(HttpStatusCode.OK, negotiate.StatusCode);
                var connection = new HubConnectionBuilder().WithUrl(new Uri(server.BaseAddress, "api")).Build();
                connection.Closed += _ =>
                {
                    closedAfterConnect.Add(connection.ConnectionId ?? $"client-{i}");
                    return Task.CompletedTask;
                };
                await connection.StartAsync();
                return connection;
            }
        }

        var connecting = Enumerable.Range(0, clients).Select(i => Task.Run(() => Connect(i))).ToList();
        Assert.True(refusedOnce.Wait(TimeSpan.FromSeconds(60)), "not every client was refused while the app was starting");
        Assert.False(server.Services.GetRequiredService<Readiness>().IsReady);
        gate.Open();
        var connections = await Task.WhenAll(connecting).WaitAsync(TimeSpan.FromSeconds(90));
        try
        {
            // Every accepted client has working handlers: its heartbeat round-trips through the upstream function.
            await Task.WhenAll(connections.Select(c => c.InvokeAsync("heartbeat")));
            await Eventually.WaitAsync(() => LiveCount(server), c => c == clients, TimeSpan.FromSeconds(30), "all 50 in the registry");

            Assert.True(refusals >= clients);
            Assert.Empty(closedAfterConnect);
            Assert.All(connections, c => Assert.Equal(HubConnectionState.Connected, c.State));
        }
        finally
        {
            await Task.WhenAll(connections.Select(c => c.DisposeAsync().AsTask()));
        }
    }

    internal static async Task<int> LiveCount(DevHostServer server)
    {
        server.Services.GetRequiredService<ConnectionRegistry>().InvalidatePresence();
        using var doc = JsonDocument.Parse(await server.Client.GetStringAsync("/api/connections"));
        return doc.RootElement.GetProperty("count").GetInt32();
    }
}
