using FunctionsDashboard.Options;
using FunctionsDashboard.Storage;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Health;

/// <summary>Liveness and readiness: options valid, startup complete, storage answering now.</summary>
public sealed class DashboardHealth(
    Readiness readiness,
    DashboardStorage storage,
    IOptions<DashboardOptions> options,
    TimeProvider timeProvider)
{
    /// <summary>Runs the checks. Never throws for a failing dependency: that becomes a failed check.</summary>
    public async Task<HealthReport> CheckAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        var checks = new List<HealthCheckResult>
        {
            // Options were validated at startup (the app would not be running otherwise).
            new("options", true, $"heartbeat {o.HeartbeatInterval}, stale {o.StaleTimeout}, connection timeout {o.ConnectionTimeout}"),
            readiness.IsReady
                ? new("startup", true, "handlers frozen, storage provisioned")
                : new("startup", false, readiness.Reason ?? "starting"),
            await ProbeStorageAsync(o.ConnectionTimeout, cancellationToken),
        };

        var failed = checks.Where(c => !c.Ok).ToList();
        var ready = failed.Count == 0;
        var reason = ready ? null : string.Join("; ", failed.Select(c => $"{c.Name}: {c.Detail}"));
        return new HealthReport(ready ? "ready" : "not-ready", Live: true, ready, reason, checks, timeProvider.GetUtcNow());
    }

    private async Task<HealthCheckResult> ProbeStorageAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = new CancellationTokenSource(timeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cts.Token, cancellationToken);
        var started = timeProvider.GetTimestamp();
        try
        {
            await storage.ProbeAsync(linked.Token);
            return new("storage", true, $"table service answered in {timeProvider.GetElapsedTime(started).TotalMilliseconds:0} ms");
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            return new("storage", false, $"table service did not answer within {timeout}");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new("storage", false, $"table service unreachable: {FirstLine(e.Message)}");
        }
    }

    private static string FirstLine(string message)
    {
        var end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }
}
