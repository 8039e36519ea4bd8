using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using FunctionsDashboard.DevHost.LocalSignalR;
using FunctionsDashboard.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Tests.DevHost.LocalSignalR;

/// <summary>The fault knobs of DevHost's local SignalR Service, which the reliability tests of the app build on.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class LocalSignalRFaultTests(AzuriteFixture azurite)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task TooManyRequests_Answers429WithRetryAfter()
    {
        await using var harness = await LocalSignalRHarness.StartAsync(azurite);
        harness.Faults.Update(f => f with { TooManyRequestsRate = 1, RetryAfterSeconds = 7 });

        using var response = await LocalSignalRRestApiTests.PostAsync(harness, "dashboard", "/:send", """{"target":"event"}""");
        var error = await Assert.ThrowsAsync<SignalRRestException>(() => harness.Rest.BroadcastAsync("event", [], CancellationToken.None));

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.TooManyRequests, error.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), error.RetryAfter);
        Assert.Equal(2, harness.Faults.Counters.Rest(RestOutcome.Throttled));
    }

    [Fact]
    public async Task ErrorRate_Answers500To504WithoutDelivering()
    {
        await using var harness = await LocalSignalRHarness.StartAsync(azurite);
        var (_, received) = await harness.ConnectAsync();
        harness.Faults.Update(f => f with { ErrorRate = 1, Seed = 42 });

        var statuses = new HashSet<HttpStatusCode>();
        for (var i = 0; i < 40; i++)
        {
            var error = await Assert.ThrowsAsync<SignalRRestException>(() => harness.Rest.BroadcastAsync("event", [i], CancellationToken.None));
            statuses.Add(error.StatusCode);
        }

        harness.Faults.Update(f => f with { ErrorRate = 0 });
        await harness.Rest.BroadcastAsync("event", ["marker"], CancellationToken.None);

        Assert.Equal([HttpStatusCode.InternalServerError, HttpStatusCode.BadGateway, HttpStatusCode.ServiceUnavailable, HttpStatusCode.GatewayTimeout], statuses.Order());
        Assert.Equal("\"marker\"", await received.NextAsync());
        var counters = harness.Faults.Counters;
        Assert.Equal(40, new[] { 500, 502, 503, 504 }.Sum(s => counters.Rest(RestOutcome.Injected(s))));
    }

    [Fact]
    public async Task ErrorRate_SameSeed_SameStatuses()
    {
        await using var harness = await LocalSignalRHarness.StartAsync(azurite);

        async Task<List<HttpStatusCode>> RunAsync()
        {
            harness.Faults.Update(f => f with { ErrorRate = 0.5, Seed = 7 });
            var statuses = new List<HttpStatusCode>();
            for (var i = 0; i < 12; i++)
            {
                using var response = await LocalSignalRRestApiTests.PostAsync(harness, "dashboard", "/:send", """{"target":"event"}""");
                statuses.Add(response.StatusCode);
            }

            return statuses;
        }

        Assert.Equal(await RunAsync(), await RunAsync());
    }

    [Fact]
    public async Task FailAfterDelivery_DeliversThenAnswers500_NotRetried()
    {
        await using var harness = await LocalSignalRHarness.StartAsync(azurite);
        var (_, received) = await harness.ConnectAsync();
        harness.Faults.Update(f => f with { FailAfterDeliveryRate = 1 });

        var error = await Assert.ThrowsAsync<SignalRRestException>(() => harness.Rest.SendToAllAsync("event", ["delivered"], CancellationToken.None));

        Assert.Equal(HttpStatusCode.InternalServerError, error.StatusCode);
        Assert.Equal("\"delivered\"", await received.NextAsync());
        Assert.Equal(1, harness.Faults.Counters.Rest(RestOutcome.FailedAfterDelivery));
    }

    [Fact]
    public async Task Faults_DefaultScopeSends_ManagementCallsUnaffected()
    {
        await using var harness = await LocalSignalRHarness.StartAsync(azurite);
        harness.Faults.Update(f => f with { ErrorRate = 1 });

        Assert.False(await harness.Rest.ConnectionExistsAsync("x", CancellationToken.None));

        harness.Faults.Update(f => f with { ApplyTo = FaultScope.All });
        using var request = LocalSignalRRestApiTests.Request(harness, HttpMethod.Head, LocalSignalRRestApiTests.RestUrl(harness, "dashboard", "/connections/x"));
        using var response = await harness.Server.Client.SendAsync(request);
        Assert.True((int)response.StatusCode >= 500);
    }

    [Fact]
    public async Task DropUpstream_DisconnectedOnly_DisconnectedNotSent()
    {
        await using var harness = await LocalSignalRHarness.StartAsync(azurite);
        harness.Faults.Update(f => f with { DropUpstreamRate = 1, DropUpstreamEvents = ["disconnected"] });
        var client = harness.CreateClient();
        await client.StartAsync();
        var id = client.ConnectionId!;
        await harness.Upstream.WaitForAsync("connected", id);

        await client.StopAsync();
        await harness.Faults.WaitForCountersAsync(c => c.Dropped("disconnected") == 1, CancellationToken.None).WaitAsync(Timeout);

        Assert.DoesNotContain(harness.Upstream.Calls, c => c.ConnectionId == id && c.Event == "disconnected");
        Assert.Equal(1, harness.Faults.Counters.Made("connected"));
        Assert.Equal(0, harness.Faults.Counters.Made("disconnected"));
    }

    [Fact]
    public async Task Offline_DropsConnectionsAndRefusesNegotiateAndRest_UntilBackOnline()
    {
        await using var harness = await LocalSignalRHarness.StartAsync(azurite);
        var (client, _) = await harness.ConnectAsync();
        var closed = LocalSignalRRestApiTests.ClosedSignal(client);

        harness.Faults.Update(f => f with { Offline = true, RetryAfterSeconds = 3 });
        await closed.WaitAsync(Timeout);
        using var negotiate = new HttpRequestMessage(HttpMethod.Post, "/localsignalr/client/negotiate?hub=dashboard&negotiateVersion=1");
        negotiate.Headers.Authorization = new("Bearer", harness.Tokens.CreateClientToken("dashboard", "alice"));
        using var negotiateResponse = await harness.Server.Client.SendAsync(negotiate);
        var restError = await Assert.ThrowsAsync<SignalRRestException>(() => harness.Rest.BroadcastAsync("event", [], CancellationToken.None));
        var refused = harness.CreateClient();
        var startError = await Assert.ThrowsAsync<HttpRequestException>(() => refused.StartAsync());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, negotiateResponse.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(3), negotiateResponse.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, restError.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, startError.StatusCode);

        harness.Faults.Update(f => f with { Offline = false });
        var (again, received) = await harness.ConnectAsync();
        await harness.Rest.SendToAllAsync("event", ["back"], CancellationToken.None);
        Assert.Equal("\"back\"", await received.NextAsync());
        Assert.Equal(HubConnectionState.Connected, again.State);
    }

    [Fact]
    public async Task Latency_WaitsOnTheTimeProvider()
    {
        var time = new ObservableFakeTime();
        await using var harness = await LocalSignalRHarness.StartAsync(
            azurite,
            configure: builder => builder.Services.Replace(ServiceDescriptor.Singleton<TimeProvider>(time)));
        harness.Faults.Update(f => f with { Latency = TimeSpan.FromSeconds(5) });

        var send = LocalSignalRRestApiTests.PostAsync(harness, "dashboard", "/:send", """{"target":"event"}""");
        while (await time.NextTimerAsync() != TimeSpan.FromSeconds(5))
        {
            // Other timers (keep-alives, timeouts) are not the latency.
        }

        Assert.False(send.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(5));
        using var response = await send.WaitAsync(Timeout);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task FaultsEndpoint_PutGetDelete_ChangesKnobsAndShowsCounters()
    {
        await using var harness = await LocalSignalRHarness.StartAsync(azurite);
        var http = harness.Server.Client;

        using var put = await http.PutAsync("/localsignalr/_faults", Json("""{"errorRate":0.25,"dropUpstreamEvents":["disconnected"],"dropUpstreamRate":1,"latency":"00:00:00","seed":3}"""));
        using var invalid = await http.PutAsync("/localsignalr/_faults", Json("""{"errorRate":2}"""));
        using var unknown = await http.PutAsync("/localsignalr/_faults", Json("""{"errorRaet":0.1}"""));
        using var send = await LocalSignalRRestApiTests.PostAsync(harness, "dashboard", "/:send", "{}");
        var state = await http.GetFromJsonAsync<JsonElement>("/localsignalr/_faults");

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal("application/problem+json", invalid.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Equal(0.25, state.GetProperty("faults").GetProperty("errorRate").GetDouble());
        Assert.Equal("disconnected", state.GetProperty("faults").GetProperty("dropUpstreamEvents")[0].GetString());
        Assert.Equal(0.25, harness.Faults.Current.ErrorRate);
        Assert.Equal(1, state.GetProperty("counters").GetProperty("restCalls").EnumerateObject().Sum(p => p.Value.GetInt64()));

        using var reset = await http.DeleteAsync("/localsignalr/_faults");
        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        Assert.Equal(0, harness.Faults.Current.ErrorRate);
        Assert.Empty(harness.Faults.Counters.RestCalls);
    }

    [Fact]
    public async Task Faults_FromSettings_AppliedAtStartup()
    {
        await using var harness = await LocalSignalRHarness.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["LocalSignalR:Faults:TooManyRequestsRate"] = "1",
            ["LocalSignalR:Faults:RetryAfterSeconds"] = "2",
            ["LocalSignalR:Faults:DropUpstreamEvents:0"] = "disconnected",
        });

        using var response = await LocalSignalRRestApiTests.PostAsync(harness, "dashboard", "/:send", """{"target":"event"}""");

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(["disconnected"], harness.Faults.Current.DropUpstreamEvents);
    }

    [Fact]
    public async Task Faults_InvalidSetting_DevHostRefusesToStart()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => LocalSignalRHarness.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["LocalSignalR:Faults:ErrorRate"] = "1.5",
        }));

        Assert.Contains("LocalSignalR:Faults:ErrorRate", error.Message, StringComparison.Ordinal);
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
