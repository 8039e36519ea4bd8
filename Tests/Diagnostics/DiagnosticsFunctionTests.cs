using System.Net;
using System.Text.Json;
using FunctionsDashboard.Connections;
using FunctionsDashboard.DevHost.Hosting;
using FunctionsDashboard.DevHost.LocalSignalR;
using FunctionsDashboard.Diagnostics;
using FunctionsDashboard.SignalR;
using FunctionsDashboard.Tests.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsDashboard.Tests.Diagnostics;

/// <summary>
/// <c>GET /api/diagnostics</c> on DevHost over loopback HTTP, on real Azurite with the local SignalR Service: each check
/// reports <c>fail</c> under the misconfiguration it is for (set up with the stand-ins' fault knobs or wrong settings)
/// and <c>ok</c> when all is well; refusals are problem+json.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class DiagnosticsFunctionTests(AzuriteFixture azurite)
{
    private const string AdminKey = "local-dev-admin-key";
    private const string EntraKey = "local-entra-signing-key-for-tests-0123456789";
    private const string EntraAppServer = "11111111-2222-3333-4444-555555555555";

    private static readonly Dictionary<string, string?> FastTimings = new()
    {
        ["Dashboard:HeartbeatInterval"] = "00:00:01",
        ["Dashboard:StaleTimeout"] = "00:00:05",
        ["Dashboard:ConnectionTimeout"] = "00:00:03",
        ["Diagnostics:CheckTimeout"] = "00:00:04",
    };

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-key-0123456789")]
    public async Task MissingOrWrongAdminKey_Is401Problem(string? key)
    {
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString);

        using var response = await GetAsync(server, key);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task NoAdminKeyConfigured_Is403Problem()
    {
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString, new Dictionary<string, string?> { ["Relay:AdminKey"] = "" });

        using var response = await GetAsync(server, AdminKey);

        await AssertProblemAsync(response, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task AllWell_EveryCheckOk_AndEventGridFailsUntilSomethingArrives()
    {
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString, FastTimings);

        var before = await ReportAsync(server);
        Assert.Equal("fail", Check(before, EventGridCheck.CheckName).GetProperty("status").GetString());

        await using var connection = new HubConnectionBuilder().WithUrl(new Uri(server.BaseAddress, "api")).Build();
        await connection.StartAsync();
        var registry = server.Services.GetRequiredService<ConnectionRegistry>();
        await Eventually.WaitAsync(() => registry.GetAsync(connection.ConnectionId!, default), r => r is not null, TimeSpan.FromSeconds(20), "the connected upstream event");
        await EventPoster.PostAsync(server.Client, "diagnostics-ok", ["ok-1"]);

        var report = await ReportAsync(server);
        Assert.Equal("ok", report.GetProperty("status").GetString());
        var names = report.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("name").GetString()).ToList();
        Assert.Equal([StorageCheck.CheckName, SignalRKeyCheck.CheckName, UpstreamArrivalCheck.CheckName, EventGridCheck.CheckName, ClockSkewCheck.CheckName, SettingsCheck.CheckName], names);
        foreach (var check in report.GetProperty("checks").EnumerateArray())
        {
            Assert.True(check.GetProperty("status").GetString() == "ok", $"{check.GetProperty("name")}: {check}");
        }

        Assert.Contains("1 negotiate(s) and 1 connected event(s)", Check(report, UpstreamArrivalCheck.CheckName).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpstreamNeverArrives_UpstreamFails_WithTheUpstreamUrlTemplate()
    {
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString, FastTimings);
        // The Service never calls the app back: as with no upstream URL configured.
        server.Services.GetRequiredService<LocalSignalRFaults>().Update(f => f with { DropUpstreamRate = 1 });

        await using var connection = new HubConnectionBuilder().WithUrl(new Uri(server.BaseAddress, "api")).Build();
        await connection.StartAsync();
        var waiting = Check(await ReportAsync(server), UpstreamArrivalCheck.CheckName);
        Assert.Equal("ok", waiting.GetProperty("status").GetString()); // within the stale timeout it only waits

        var upstream = await Eventually.WaitAsync(
            async () => Check(await ReportAsync(server), UpstreamArrivalCheck.CheckName),
            c => c.GetProperty("status").GetString() == "fail",
            TimeSpan.FromSeconds(30),
            "the upstream check to fail once the stale timeout (5 s) passed");

        var hint = upstream.GetProperty("hint").GetString()!;
        Assert.Contains($"{server.BaseAddress.AbsoluteUri.TrimEnd('/')}/api/signalr/upstream?code=<function key of SignalRUpstream>", hint, StringComparison.Ordinal);
        Assert.Contains("0 connected event(s)", upstream.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(DevHostServer.LocalAccessKey, upstream.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongAccessKey_SignalRKeyFails()
    {
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString, FastTimings);
        server.Services.GetRequiredService<LocalSignalRFaults>().Update(f => f with { RejectAccessKey = true });

        var report = await ReportAsync(server);

        var key = Check(report, SignalRKeyCheck.CheckName);
        Assert.Equal("fail", key.GetProperty("status").GetString());
        Assert.Contains("401", key.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("AccessKey", key.GetProperty("hint").GetString(), StringComparison.Ordinal);
        Assert.Equal("fail", report.GetProperty("status").GetString());
        Assert.DoesNotContain(DevHostServer.LocalAccessKey, report.GetRawText(), StringComparison.Ordinal);
        Assert.Equal("ok", Check(report, StorageCheck.CheckName).GetProperty("status").GetString());
    }

    [Theory]
    [InlineData(EntraAppServer, "ok")]
    [InlineData("someone-without-the-role", "fail")]
    public async Task EntraAuth_SignalRKeyJudgesTheIdentity(string objectId, string expected)
    {
        var port = AzuriteFixture.FreePort();
        await using var server = await DevHostServer.StartAsync(
            azurite.ConnectionString,
            new Dictionary<string, string?>(FastTimings)
            {
                ["AzureSignalRConnectionString"] = $"Endpoint=http://127.0.0.1:{port}{DevHostApplication.LocalSignalRPath};AuthType=azure.msi;ClientId=test-identity;Version=1.0;",
                ["LocalSignalR:DisableLocalAuth"] = "true",
                ["LocalSignalR:Entra:SigningKey"] = EntraKey,
                ["LocalSignalR:Entra:AppServerObjectIds:0"] = EntraAppServer,
            },
            waitUntilReady: false,
            builder => builder.Services.AddSingleton(new SignalRCredential(new FakeEntraCredential(EntraKey, objectId))),
            port);

        var key = await Eventually.WaitAsync(
            async () => Check(await ReportAsync(server), SignalRKeyCheck.CheckName),
            c => c.GetProperty("status").GetString() == expected,
            TimeSpan.FromSeconds(30),
            $"signalr-key to report {expected} (the signing key is fetched at startup)");

        Assert.Contains("Microsoft Entra ID (azure.msi)", key.GetProperty("detail").GetString(), StringComparison.Ordinal);
        if (expected == "fail")
        {
            Assert.Contains("SignalR App Server", key.GetProperty("hint").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task StorageDown_StorageAndClockFail_AnswerStillComes()
    {
        await using var server = await DevHostServer.StartAsync(AzuriteFixture.Unreachable(), FastTimings, waitUntilReady: false);

        var report = await ReportAsync(server);

        var storage = Check(report, StorageCheck.CheckName);
        Assert.Equal("fail", storage.GetProperty("status").GetString());
        Assert.Contains("AzureWebJobsStorage", storage.GetProperty("hint").GetString(), StringComparison.Ordinal);
        Assert.Equal("fail", Check(report, ClockSkewCheck.CheckName).GetProperty("status").GetString());
        Assert.DoesNotContain("AccountKey", report.GetRawText(), StringComparison.Ordinal);
        // The upstream check still judges this instance's own numbers and says the others are unknown.
        Assert.Contains("Other instances unknown", Check(report, UpstreamArrivalCheck.CheckName).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClockTenMinutesAhead_ClockSkewFails()
    {
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString, FastTimings,
            configure: builder => builder.Services.AddSingleton<TimeProvider>(new OffsetTimeProvider(TimeSpan.FromMinutes(10))));

        var clock = Check(await ReportAsync(server), ClockSkewCheck.CheckName);

        Assert.Equal("fail", clock.GetProperty("status").GetString());
        Assert.Contains("ahead of", clock.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ContradictingSettings_SettingsWarns()
    {
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString, new Dictionary<string, string?>(FastTimings)
        {
            ["Sse:CursorRetention"] = "1.00:00:00", // shorter than the event log's 7 days
            ["Relay:WebhookSecret"] = AdminKey,       // one secret for publishing and administration
        });

        var settings = Check(await ReportAsync(server), SettingsCheck.CheckName);

        Assert.Equal("warn", settings.GetProperty("status").GetString());
        Assert.Contains("Sse:CursorRetention", settings.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("Relay:AdminKey equals Relay:WebhookSecret", settings.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(AdminKey, settings.GetRawText(), StringComparison.Ordinal);
    }

    private static async Task<HttpResponseMessage> GetAsync(DevHostServer server, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/diagnostics");
        if (key is not null)
        {
            request.Headers.Add("X-Dashboard-Admin-Key", key);
        }

        return await server.Client.SendAsync(request);
    }

    private static async Task<JsonElement> ReportAsync(DevHostServer server)
    {
        using var response = await GetAsync(server, AdminKey);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"diagnostics answered {(int)response.StatusCode}: {body}");
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static JsonElement Check(JsonElement report, string name) =>
        report.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.Contains("Relay:AdminKey", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.False(problem.TryGetProperty("checks", out _));
    }

    /// <summary>The system clock moved by a fixed offset: a host whose clock is wrong.</summary>
    private sealed class OffsetTimeProvider(TimeSpan offset) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + offset;
    }
}
