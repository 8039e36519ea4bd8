using FunctionsDashboard.Access;
using FunctionsDashboard.EventLog;
using FunctionsDashboard.Options;
using FunctionsDashboard.Relay;
using FunctionsDashboard.SignalR;
using FunctionsDashboard.Sse;
using FunctionsDashboard.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Diagnostics;

/// <summary><c>settings</c>: settings that each pass validation but contradict each other (<see cref="SettingsRules"/>).</summary>
public sealed class SettingsCheck(
    IHostEnvironment environment,
    IOptions<DashboardOptions> dashboard,
    IOptions<SignalROptions> signalR,
    IOptions<AccessOptions> access,
    IOptions<RelayOptions> relay,
    IOptions<SseOptions> sse,
    IOptions<EventLogOptions> eventLog,
    IOptions<StorageOptions> storage) : IDiagnosticCheck
{
    /// <summary>The check's name.</summary>
    public const string CheckName = "settings";

    /// <inheritdoc />
    public string Name => CheckName;

    /// <inheritdoc />
    public Task<DiagnosticCheckResult> RunAsync(DiagnosticsContext context, CancellationToken cancellationToken)
    {
        var r = relay.Value;
        var snapshot = new SettingsSnapshot(
            environment.IsProduction(),
            access.Value.AllowAnonymous ?? signalR.Value.AllowAnonymous,
            [.. signalR.Value.AllowedOrigins],
            dashboard.Value.HeartbeatInterval,
            dashboard.Value.StaleTimeout,
            dashboard.Value.ConnectionTimeout,
            !string.IsNullOrEmpty(r.WebhookSecret),
            r.AllowUnauthenticated,
            !string.IsNullOrEmpty(r.AdminKey) && string.Equals(r.AdminKey, r.WebhookSecret, StringComparison.Ordinal),
            eventLog.Value.Retention,
            sse.Value.CursorRetention,
            access.Value.StreamTokenLifetime,
            sse.Value.MaxStreamDuration,
            storage.Value.Prefix);
        return Task.FromResult(Summarize(SettingsRules.Evaluate(snapshot), environment.EnvironmentName));
    }

    /// <summary>One result for all findings: the worst status, every finding's detail and hint.</summary>
    public static DiagnosticCheckResult Summarize(IReadOnlyList<SettingsFinding> findings, string environmentName)
    {
        if (findings.Count == 0)
        {
            return DiagnosticCheckResult.Ok(CheckName, $"No contradicting settings (environment {environmentName}).");
        }

        return new DiagnosticCheckResult(CheckName, findings.Max(f => f.Status),
            string.Join(" ", findings.Select(f => f.Detail)),
            string.Join(" ", findings.Select(f => f.Hint)));
    }
}
