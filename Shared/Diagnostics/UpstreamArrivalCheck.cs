using FunctionsDashboard.Options;
using FunctionsDashboard.SignalR;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Diagnostics;

/// <summary>
/// <c>upstream</c>: negotiates succeeded, but did the Service call the app back? After a negotiate the client connects to
/// the Service, which POSTs <c>connections/connected</c> to the upstream URL it was configured with. A negotiate
/// followed by no <c>connected</c> event anywhere (any instance) for longer than <see cref="DashboardOptions.StaleTimeout"/>
/// fails, with the upstream URL template the Service needs. Other instances' numbers are at most
/// <see cref="DiagnosticsActivity.WriteInterval"/> old, so a <c>connected</c> counts when it is at most that much older
/// than the negotiate.
/// </summary>
public sealed class UpstreamArrivalCheck(
    DiagnosticsActivity activity,
    IOptions<DashboardOptions> dashboard,
    IOptions<SignalROptions> signalR,
    TimeProvider timeProvider) : IDiagnosticCheck
{
    /// <summary>The check's name.</summary>
    public const string CheckName = "upstream";

    /// <summary>The upstream route of the app (the <c>SignalRUpstream</c> function).</summary>
    public const string UpstreamRoute = "/api/signalr/upstream";

    /// <inheritdoc />
    public string Name => CheckName;

    /// <inheritdoc />
    public async Task<DiagnosticCheckResult> RunAsync(DiagnosticsContext context, CancellationToken cancellationToken)
    {
        var view = await activity.ReadAsync(cancellationToken);
        return Evaluate(view, timeProvider.GetUtcNow(), dashboard.Value.StaleTimeout, signalR.Value.HubName, context.OwnOrigin);
    }

    /// <summary>The verdict on <paramref name="view"/> at <paramref name="now"/>.</summary>
    public static DiagnosticCheckResult Evaluate(ActivityView view, DateTimeOffset now, TimeSpan staleTimeout, string hub, string ownOrigin)
    {
        var instances = view.Instances;
        var negotiates = instances.Sum(i => i.Negotiates);
        var connected = instances.Sum(i => i.Connected);
        var lastConnected = instances.Max(i => i.LastConnectedAt);
        var partial = view.DurableUnavailable is { } why ? $" Other instances unknown: {why}." : "";
        if (instances.All(i => i.LastNegotiateAt is null))
        {
            return DiagnosticCheckResult.Ok(CheckName, $"No negotiate recorded yet, so nothing to judge.{partial}");
        }

        var unanswered = instances.SelectMany(i => i.UnansweredNegotiates)
            .Where(t => lastConnected is not { } c || t - c > DiagnosticsActivity.WriteInterval)
            .Order()
            .ToList();
        var counts = $"{negotiates} negotiate(s) and {connected} connected event(s) on {instances.Count} instance(s); last connected event: {lastConnected?.ToString("O") ?? "never"}.";
        var overdue = unanswered.Where(t => now - t > staleTimeout).ToList();
        if (overdue.Count > 0)
        {
            var template = $"{ownOrigin.TrimEnd('/')}{UpstreamRoute}?code=<function key of SignalRUpstream>";
            return DiagnosticCheckResult.Fail(CheckName,
                $"Negotiates succeeded (first unanswered at {overdue[0]:O}) but no upstream 'connected' event arrived within the stale timeout ({staleTimeout}): {counts}{partial}",
                $"Set the SignalR Service's upstream URL template (Settings → Upstream, hub pattern '{hub}', event and category pattern '*') to {template}. " +
                "Without it presence stays 0 and connections never join their subscription groups. Also make sure the Service runs in Serverless mode.");
        }

        if (unanswered.Count > 0)
        {
            return DiagnosticCheckResult.Ok(CheckName, $"A negotiate at {unanswered[0]:O} is waiting for its 'connected' event (fails after {staleTimeout}): {counts}{partial}");
        }

        return DiagnosticCheckResult.Ok(CheckName, $"Upstream arrives: {counts}{partial}");
    }
}
