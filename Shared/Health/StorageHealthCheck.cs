using FunctionsDashboard.Options;
using FunctionsDashboard.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Health;

/// <summary>
/// Check <c>storage</c>: the table service answers now, within <see cref="DashboardOptions.ConnectionTimeout"/>. A slow
/// or absent service is an unhealthy result with a one-line reason (never the exception), not an error.
/// </summary>
internal sealed class StorageHealthCheck(DashboardStorage storage, IOptions<DashboardOptions> options, TimeProvider timeProvider) : IHealthCheck
{
    /// <summary>The check's name in the health answer.</summary>
    public const string Name = "storage";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var timeout = options.Value.ConnectionTimeout;
        using var cts = new CancellationTokenSource(timeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cts.Token, cancellationToken);
        var started = timeProvider.GetTimestamp();
        try
        {
            await storage.ProbeAsync(linked.Token);
            return HealthCheckResult.Healthy($"table service answered in {timeProvider.GetElapsedTime(started).TotalMilliseconds:0} ms");
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"table service did not answer within {timeout}");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"table service unreachable: {FirstLine(e.Message)}");
        }
    }

    private static string FirstLine(string message)
    {
        var end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }
}
