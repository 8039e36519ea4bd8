using System.Net;
using System.Text.Json;
using Xunit.Abstractions;

namespace FunctionsDashboard.Tests.Dashboard;

/// <summary>
/// The dashboard page in headless Chromium (Debian's, driven by playwright-core from npm), against DevHost with the
/// local SignalR Service and the real webhook. Screenshots of each state land in the test output folder.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class DashboardPageTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    private static string Chromium => Environment.GetEnvironmentVariable("CHROMIUM_PATH") ?? "/usr/bin/chromium";

    [Fact]
    public async Task Page_IsServedByTheApp_WithTheSignalRClientFromNpm()
    {
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString);

        using var redirect = await new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = server.BaseAddress }.GetAsync("/api/dashboard");
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        using var page = await server.Client.GetAsync("/api/dashboard/");
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("lib/signalr.js", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var module = await server.Client.GetAsync("/api/dashboard/app.js");
        Assert.Equal("text/javascript", module.Content.Headers.ContentType?.MediaType);
        using var client = await server.Client.GetAsync("/api/dashboard/lib/signalr.js");
        Assert.Contains("HubConnectionBuilder", await client.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var missing = await server.Client.GetAsync("/api/dashboard/nope.js");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task SignalRServiceOffline_PageFallsBackToSse_KeepsShowingEvents_ThenReturns()
    {
        var steps = await RunScenarioAsync("sse-fallback");

        Assert.Equal("signalr", steps["connected"].GetProperty("transport").GetString());
        var sse = steps["sse"];
        Assert.Equal("sse", sse.GetProperty("transport").GetString());
        Assert.Equal(["sse-1", "sse-2", "sse-3"], sse.GetProperty("received").EnumerateArray().Select(e => e.GetString()).Where(id => id!.StartsWith("sse-", StringComparison.Ordinal)));
        var back = steps["back"];
        Assert.Equal("signalr", back.GetProperty("transport").GetString());
        var ids = back.GetProperty("received").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Equal(ids.Distinct().Count(), ids.Count);
        Assert.Contains("back-1", ids);
    }

    [Fact]
    public async Task ThreeProducers_AllStreamsShown_InSeqOrder_AcrossAForcedReconnect_AndAStreamSwitch_Issue12()
    {
        var steps = await RunScenarioAsync("three-producers");

        var done = steps["reconnected"];
        var ids = done.GetProperty("received").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Equal(ids.Distinct().Count(), ids.Count);
        Assert.Equal(["a-1", "a-2", "a-3", "b-1", "b-2", "b-3", "o-1", "o-2", "o-3"], ids.Order(StringComparer.Ordinal));
        foreach (var stream in ids.GroupBy(id => id[0]))
        {
            Assert.Equal(stream.Order(StringComparer.Ordinal), stream); // each stream in seq order
        }

        var streams = done.GetProperty("streams");
        Assert.Equal(3, streams.GetProperty("producer-a").GetProperty("lastSeq").GetInt64());
        Assert.Equal(3, streams.GetProperty("microsoft.eventgrid-topics-orders-prod").GetProperty("lastSeq").GetInt64());
        var narrowed = steps["narrowed"].GetProperty("received").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Contains("o-4", narrowed);
        Assert.DoesNotContain("a-4", narrowed);
    }

    [Fact]
    public async Task EventsPublishedThroughEventGrid_ShowUpLiveOverSignalR()
    {
        var steps = await RunScenarioAsync("signalr-live");

        var live = steps["live"];
        Assert.Equal("signalr", live.GetProperty("transport").GetString());
        Assert.Equal(["live-1", "live-2", "live-3"], live.GetProperty("received").EnumerateArray().Select(e => e.GetString()).Order());
        Assert.Equal(0, live.GetProperty("duplicates").GetInt32());
    }

    [Fact]
    public async Task ForcedReconnect_FeedHasNoGapAndNoDuplicate()
    {
        var steps = await RunScenarioAsync("reconnect");

        var done = steps["reconnected"];
        var ids = done.GetProperty("received").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Equal(["after-1", "before-1", "before-2", "during-1", "during-2"], ids.Order());
        Assert.Equal(5, done.GetProperty("rows").GetInt32());
        Assert.Equal(5, done.GetProperty("lastSeq").GetInt64());
    }

    [Fact]
    public async Task Charts_TransportAndSelfCheckBanner_RenderInChromium_Issue15()
    {
        // A contradiction the self-check warns about, so an admin sees a banner.
        var steps = await RunScenarioAsync("charts", new Dictionary<string, string?> { ["Sse:CursorRetention"] = "1.00:00:00" });

        var charts = steps["charts"];
        Assert.Equal("WebSockets", charts.GetProperty("wire").GetString());
        var rate = charts.GetProperty("rate").EnumerateArray().Where(v => v.ValueKind == JsonValueKind.Number).Select(v => v.GetInt32()).ToList();
        Assert.True(rate.Sum() >= 15, $"events per second counted {rate.Sum()} of the 15 live events");
        var latency = charts.GetProperty("latency").EnumerateArray().Where(v => v.ValueKind == JsonValueKind.Number).Select(v => v.GetDouble()).ToList();
        Assert.NotEmpty(latency);
        Assert.All(latency, ms => Assert.InRange(ms, 0, 30_000));
        var connections = charts.GetProperty("connections").EnumerateArray().Where(v => v.ValueKind == JsonValueKind.Number).Select(v => v.GetInt32()).ToList();
        Assert.True(connections.Count > 0 && connections[^1] >= 1, "the connections chart shows the page's own connection");
        Assert.All(charts.GetProperty("points").EnumerateArray(), p => Assert.True(p.GetInt32() >= 1, "every chart has points"));
        Assert.All(charts.GetProperty("lines").EnumerateArray(), l => Assert.True(l.GetInt32() > 0, "every chart draws a line"));
        Assert.Equal("warn", charts.GetProperty("bannerStatus").GetString());
        Assert.Contains("settings", charts.GetProperty("bannerChecks").EnumerateArray().Select(c => c.GetString()));
        Assert.True(charts.GetProperty("keyInSession").GetBoolean());
        Assert.Equal(0, charts.GetProperty("keyInLocal").GetInt32());
        Assert.True(File.Exists(Path.Combine(RepoPaths.TestOutput, "dashboard-charts.png")));

        var longPolling = steps["longpolling"];
        Assert.Equal("long polling", longPolling.GetProperty("wire").GetString());
        Assert.Contains("lp-1", longPolling.GetProperty("received").EnumerateArray().Select(e => e.GetString()));
    }

    private async Task<Dictionary<string, JsonElement>> RunScenarioAsync(string scenario, IDictionary<string, string?>? settings = null)
    {
        Assert.True(File.Exists(Chromium), $"Chromium not found at {Chromium}: install Debian's chromium (.ci/run does) or set CHROMIUM_PATH.");
        var all = new Dictionary<string, string?>
        {
            ["Dashboard:HeartbeatInterval"] = "00:00:01",
            ["Dashboard:StaleTimeout"] = "00:00:05",
            ["Dashboard:ConnectionTimeout"] = "00:00:03",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString, all);
        await using var script = NodeScript.Start("dashboard-page.mjs", new Dictionary<string, string>
        {
            ["BASE_URL"] = server.BaseAddress.AbsoluteUri.TrimEnd('/'),
            ["SCENARIO"] = scenario,
            ["SHOT_DIR"] = RepoPaths.TestOutput,
            ["CHROMIUM_PATH"] = Chromium,
        });

        var steps = new Dictionary<string, JsonElement>();
        while (true)
        {
            var line = await script.NextLineAsync(TimeSpan.FromSeconds(150));
            output.WriteLine(line.GetRawText());
            if (line.TryGetProperty("done", out _))
            {
                return steps;
            }

            if (line.TryGetProperty("step", out var step))
            {
                steps[step.GetString()!] = line;
            }
        }
    }
}
