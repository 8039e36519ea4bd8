using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using FunctionsDashboard.Health;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit.Abstractions;

namespace FunctionsDashboard.Tests.Health;

/// <summary>
/// Issue #14 item 2: storage unavailable for 30 s while DevHost starts (15 s blackholed: the SDK's network timeout fires,
/// a TaskCanceledException; then 15 s refused), then available. The app must say why it is not ready
/// (<c>/api/health</c> 503 problem+json with Retry-After), never stop, and become ready once storage answers. Real time
/// here: the SDK's network timeout is real; the step's backoff schedule is covered with a fake clock in
/// <see cref="StartupServiceTests"/>.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed partial class StartupOutageTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task StorageDownFor30SecondsAtStartup_AppStaysUpSaysWhyAndBecomesReady_Issue14()
    {
        var ports = Ports(azurite.ConnectionString);
        await using var blob = new FaultyTcpProxy(ports["Blob"], ProxyMode.Blackhole);
        await using var queue = new FaultyTcpProxy(ports["Queue"], ProxyMode.Blackhole);
        await using var table = new FaultyTcpProxy(ports["Table"], ProxyMode.Blackhole);
        FaultyTcpProxy[] proxies = [blob, queue, table];

        var clock = Stopwatch.StartNew();
        await using var server = await DevHostServer.StartAsync(
            AzuriteFixture.ConnectionStringFor(blob.Port, queue.Port, table.Port),
            new Dictionary<string, string?>
            {
                ["Dashboard:ConnectionTimeout"] = "00:00:01",
                ["Startup:MaxRetryDelay"] = "00:00:02",
            },
            waitUntilReady: false);
        var lifetime = server.Services.GetRequiredService<IHostApplicationLifetime>();
        var readiness = server.Services.GetRequiredService<Readiness>();

        var reasons = new HashSet<string>(StringComparer.Ordinal);
        var retryAfters = new List<TimeSpan>();
        var probes = 0;
        while (clock.Elapsed < Outage)
        {
            if (clock.Elapsed > Outage / 2 && blob.Mode == ProxyMode.Blackhole)
            {
                Array.ForEach(proxies, p => p.Mode = ProxyMode.Refuse);
            }

            using (var health = await server.Client.GetAsync("/api/health"))
            {
                probes++;
                Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
                Assert.Equal("application/problem+json", health.Content.Headers.ContentType?.MediaType);
                Assert.True(health.Headers.RetryAfter?.Delta > TimeSpan.Zero, "503 carries Retry-After");
                Assert.True(health.Headers.RetryAfter!.Delta <= TimeSpan.FromSeconds(5), "Retry-After is the next startup retry (capped at 2 s here) or the 5 s default");
                retryAfters.Add(health.Headers.RetryAfter.Delta!.Value);
                using var problem = JsonDocument.Parse(await health.Content.ReadAsStringAsync());
                var detail = problem.RootElement.GetProperty("detail").GetString()!;
                Assert.Contains("startup", detail, StringComparison.Ordinal);
                Assert.DoesNotContain("   at ", detail, StringComparison.Ordinal);
                reasons.Add(Digits().Replace(detail, "#"));
            }

            Assert.False(readiness.IsReady);
            Assert.False(lifetime.ApplicationStopping.IsCancellationRequested, "the app began to stop during the outage");
            await Task.WhenAny(lifetime.ApplicationStopping.WaitHandleAsync(), Task.Delay(TimeSpan.FromSeconds(1)));
        }

        Assert.True(proxies.Sum(p => p.Accepted) > 3, "the app kept trying storage during the outage");
        Assert.Contains(retryAfters, r => r <= TimeSpan.FromSeconds(2)); // the step's own next retry, not only the default
        Array.ForEach(proxies, p => p.Mode = ProxyMode.Forward);
        var restored = clock.Elapsed;

        await readiness.WhenReady.WaitAsync(TimeSpan.FromSeconds(30));
        var readyAfter = clock.Elapsed - restored;
        using (var health = await server.Client.GetAsync("/api/health"))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        Assert.False(lifetime.ApplicationStopping.IsCancellationRequested);
        foreach (var service in server.Services.GetServices<IHostedService>().OfType<BackgroundService>())
        {
            Assert.False(service.ExecuteTask is { IsFaulted: true }, $"{service.GetType().Name} faulted: {service.ExecuteTask?.Exception?.GetBaseException().Message}");
        }

        output.WriteLine($"{probes} health probes during the 30 s outage, all 503 + Retry-After; ready {readyAfter.TotalSeconds:0.0} s after storage came back. Reasons seen:");
        foreach (var reason in reasons)
        {
            output.WriteLine("  " + reason);
        }
    }

    private static Dictionary<string, int> Ports(string connectionString) =>
        EndpointPattern().Matches(connectionString).ToDictionary(m => m.Groups[1].Value, m => int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));

    [GeneratedRegex(@"(Blob|Queue|Table)Endpoint=http://127\.0\.0\.1:(\d+)/")]
    private static partial Regex EndpointPattern();

    [GeneratedRegex(@"\d+(\.\d+)?")]
    private static partial Regex Digits();
}

internal static class CancellationTokenWaits
{
    public static Task WaitHandleAsync(this CancellationToken token)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        token.Register(() => done.TrySetResult());
        return done.Task;
    }
}

/// <summary>Only configuration defects stop the host: a bad Startup option does, with a message that names it.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class StartupOptionsTests(AzuriteFixture azurite)
{
    [Theory]
    [InlineData("Startup:MaxRetryDelay", "00:00:00")]
    [InlineData("Startup:AttemptTimeout", "01:00:00")]
    public async Task Start_StartupOptionOutOfRange_StopsTheHostNamingIt(string setting, string value)
    {
        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(async () =>
        {
            await using var server = await DevHostServer.StartAsync(azurite.ConnectionString, new Dictionary<string, string?> { [setting] = value }, waitUntilReady: false);
        });

        Assert.Contains(setting.Split(':')[1], error.Message, StringComparison.Ordinal);
    }
}
