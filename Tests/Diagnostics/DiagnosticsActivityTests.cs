using FunctionsDashboard.Diagnostics;
using FunctionsDashboard.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FunctionsDashboard.Tests.Diagnostics;

/// <summary>
/// <see cref="DiagnosticsActivity"/> on real Azurite with two instances sharing one table and one fake clock: the first
/// change is written at once, later ones at most once a minute (trailing edge), and each instance reads the other's.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class DiagnosticsActivityTests(AzuriteFixture azurite)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task TwoInstances_EachSeesTheOther_WritesAtMostOncePerMinute()
    {
        var time = new ObservableFakeTime();
        var prefix = DevHostServer.UniquePrefix();
        using var hostA = await BuildAsync(prefix, time);
        using var hostB = await BuildAsync(prefix, time);
        var a = hostA.Services.GetRequiredService<DiagnosticsActivity>();
        var b = hostB.Services.GetRequiredService<DiagnosticsActivity>();

        a.Negotiated(); // the first change: written at once
        await Eventually.WaitAsync(() => Other(b, a.Instance), row => row?.Negotiates == 1, Timeout, "a's first negotiate in storage");

        time.Advance(TimeSpan.FromSeconds(10));
        a.Negotiated(); // within the minute: a timer for the rest of it instead of a write
        var due = await time.NextTimerAsync();
        while (due == TimeSpan.FromSeconds(10))
        {
            due = await time.NextTimerAsync(); // the per-write timeouts (Dashboard:ConnectionTimeout) are timers, too
        }

        Assert.Equal(TimeSpan.FromSeconds(50), due);
        Assert.Equal(1, (await Other(b, a.Instance))!.Negotiates);

        time.Advance(due);
        var row = await Eventually.WaitAsync(() => Other(b, a.Instance), r => r?.Negotiates == 2, Timeout, "a's second negotiate, a minute after the first write");
        Assert.Single(row!.UnansweredNegotiates); // the second came within a quarter of the stale timeout of the first sample

        b.UpstreamConnected(); // another instance receives the connected event
        var view = await Eventually.WaitAsync(() => a.ReadAsync(default), v => v.Instances.Any(i => i.LastConnectedAt is not null), Timeout, "b's connected event");
        Assert.Null(view.DurableUnavailable);
        time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(DiagnosticStatus.Ok, UpstreamArrivalCheck.Evaluate(await a.ReadAsync(default), time.GetUtcNow(), TimeSpan.FromSeconds(90), "dashboard", "http://x").Status);

        a.EventGridHandshake();
        await Eventually.WaitAsync(() => Other(b, a.Instance), r => r?.LastHandshakeAt is not null, Timeout, "a's handshake");
    }

    private static async Task<InstanceActivity?> Other(DiagnosticsActivity reader, string instance) =>
        (await reader.ReadAsync(default)).Instances.SingleOrDefault(i => i.Instance == instance);

    private async Task<IHost> BuildAsync(string prefix, TimeProvider time)
    {
        var host = await RegistryHost.BuildAsync(azurite, prefix, time, configure: builder => builder.AddDiagnostics());
        await host.Services.GetRequiredService<DashboardStorage>().Table(DiagnosticsActivity.TableName).CreateIfNotExistsAsync();
        return host;
    }
}
