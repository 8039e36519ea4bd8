using FunctionsDashboard.Diagnostics;

namespace FunctionsDashboard.Tests.Diagnostics;

/// <summary>Each contradiction <see cref="SettingsRules"/> knows, alone, and none with the shipped defaults.</summary>
public sealed class SettingsRulesTests
{
    private static readonly SettingsSnapshot Defaults = new(
        Production: true,
        AnonymousAccess: false,
        AllowedOrigins: [],
        HeartbeatInterval: TimeSpan.FromSeconds(25),
        StaleTimeout: TimeSpan.FromSeconds(90),
        ConnectionTimeout: TimeSpan.FromSeconds(10),
        WebhookSecretSet: true,
        AllowUnauthenticatedWebhook: false,
        AdminKeyIsWebhookSecret: false,
        EventLogRetention: TimeSpan.FromDays(7),
        CursorRetention: TimeSpan.FromDays(7),
        StreamTokenLifetime: TimeSpan.FromMinutes(10),
        MaxStreamDuration: TimeSpan.FromMinutes(3),
        StoragePrefix: "");

    public static TheoryData<string, SettingsSnapshot, DiagnosticStatus, string> Contradictions => new()
    {
        { "unauthenticated webhook in production", Defaults with { WebhookSecretSet = false, AllowUnauthenticatedWebhook = true }, DiagnosticStatus.Fail, "Relay:AllowUnauthenticated" },
        { "anonymous in production", Defaults with { AnonymousAccess = true }, DiagnosticStatus.Warn, "anonymous access" },
        { "any origin without anonymous", Defaults with { AllowedOrigins = ["*"] }, DiagnosticStatus.Warn, "SignalR:AllowedOrigins" },
        { "stale timeout too tight", Defaults with { HeartbeatInterval = TimeSpan.FromSeconds(30), StaleTimeout = TimeSpan.FromSeconds(60) }, DiagnosticStatus.Warn, "Dashboard:StaleTimeout" },
        { "cursor retention below log retention", Defaults with { CursorRetention = TimeSpan.FromDays(1) }, DiagnosticStatus.Warn, "Sse:CursorRetention" },
        { "stream token shorter than an SSE response", Defaults with { StreamTokenLifetime = TimeSpan.FromMinutes(2) }, DiagnosticStatus.Warn, "Access:StreamTokenLifetime" },
        { "admin key is the webhook secret", Defaults with { AdminKeyIsWebhookSecret = true }, DiagnosticStatus.Warn, "Relay:AdminKey" },
        { "storage prefix in production", Defaults with { StoragePrefix = "t1" }, DiagnosticStatus.Fail, "t1relay-delivery" },
    };

    [Fact]
    public void Evaluate_ShippedDefaults_FindNothing() => Assert.Empty(SettingsRules.Evaluate(Defaults));

    [Theory]
    [MemberData(nameof(Contradictions))]
    public void Evaluate_OneContradiction_OneFinding(string name, SettingsSnapshot settings, DiagnosticStatus status, string named)
    {
        var finding = Assert.Single(SettingsRules.Evaluate(settings));

        Assert.True(finding.Status == status, name);
        Assert.Contains(named, finding.Detail, StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(finding.Hint));
    }

    [Fact]
    public void Evaluate_ProductionOnlyRules_DoNotFireInDevelopment()
    {
        var development = Defaults with { Production = false, AnonymousAccess = true, WebhookSecretSet = false, AllowUnauthenticatedWebhook = true, StoragePrefix = "t1", AllowedOrigins = ["*"] };

        Assert.Empty(SettingsRules.Evaluate(development));
    }

    [Fact]
    public void Summarize_TakesTheWorstStatus_AndEveryDetail()
    {
        var findings = SettingsRules.Evaluate(Defaults with { CursorRetention = TimeSpan.FromDays(1), StoragePrefix = "t1" });

        var result = SettingsCheck.Summarize(findings, "Production");

        Assert.Equal(DiagnosticStatus.Fail, result.Status);
        Assert.Contains("Sse:CursorRetention", result.Detail, StringComparison.Ordinal);
        Assert.Contains("Storage:Prefix", result.Detail, StringComparison.Ordinal);
        Assert.Equal(DiagnosticStatus.Ok, SettingsCheck.Summarize([], "Production").Status);
    }
}
