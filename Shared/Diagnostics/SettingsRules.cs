namespace FunctionsDashboard.Diagnostics;

/// <summary>
/// The rules of <see cref="SettingsCheck"/>: combinations of settings that are each valid alone (startup validation
/// already refused the rest) but contradict each other. Pure, so every rule is unit-tested.
/// </summary>
public static class SettingsRules
{
    /// <summary>The findings for <paramref name="s"/>; empty when nothing contradicts.</summary>
    public static IReadOnlyList<SettingsFinding> Evaluate(SettingsSnapshot s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var findings = new List<SettingsFinding>();
        if (s.Production && !s.WebhookSecretSet && s.AllowUnauthenticatedWebhook)
        {
            findings.Add(new(DiagnosticStatus.Fail,
                "Production with Relay:AllowUnauthenticated=true and no Relay:WebhookSecret: anyone who finds /api/eventgrid can publish events.",
                "Set Relay__WebhookSecret (and the same secret in the event subscription's endpoint ?code=), then Relay__AllowUnauthenticated=false."));
        }

        if (s.Production && s.AnonymousAccess)
        {
            findings.Add(new(DiagnosticStatus.Warn,
                "Production with anonymous access (Access:AllowAnonymous, or SignalR:AllowAnonymous when that is unset): every stream is readable without signing in.",
                "For a deliberately public dashboard leave it; otherwise set Access__AllowAnonymous=false and SignalR__AllowAnonymous=false and enable App Service authentication or Access:Bearer."));
        }

        if (s.Production && s.AllowedOrigins.Contains("*") && !s.AnonymousAccess)
        {
            findings.Add(new(DiagnosticStatus.Warn,
                "SignalR:AllowedOrigins has '*' (no credentials) but anonymous access is off: a page on another origin can never present the cookie or principal negotiate needs.",
                "List the dashboard origins exactly (SignalR__AllowedOrigins__0=https://ops.example.com) instead of '*'."));
        }

        var heartbeatBudget = (2 * s.HeartbeatInterval) + s.ConnectionTimeout;
        if (s.StaleTimeout < heartbeatBudget)
        {
            findings.Add(new(DiagnosticStatus.Warn,
                $"Dashboard:StaleTimeout ({s.StaleTimeout}) is less than two heartbeats plus one connection timeout ({heartbeatBudget}): one late heartbeat gets a live dashboard swept.",
                $"Raise Dashboard__StaleTimeout to at least {heartbeatBudget} or shorten Dashboard__HeartbeatInterval."));
        }

        if (s.CursorRetention < s.EventLogRetention)
        {
            findings.Add(new(DiagnosticStatus.Warn,
                $"Sse:CursorRetention ({s.CursorRetention}) is shorter than EventLog:Retention ({s.EventLogRetention}): SSE clients away longer than the cursor retention get a reset although the log still holds their events.",
                $"Set Sse__CursorRetention to at least {s.EventLogRetention} (EventLog:Retention)."));
        }

        if (s.StreamTokenLifetime < s.MaxStreamDuration)
        {
            findings.Add(new(DiagnosticStatus.Warn,
                $"Access:StreamTokenLifetime ({s.StreamTokenLifetime}) is shorter than Sse:MaxStreamDuration ({s.MaxStreamDuration}): an EventSource that authenticated with ?access_token= is refused when it resumes after the cap.",
                "Keep Access__StreamTokenLifetime above Sse__MaxStreamDuration (the page negotiates again for a fresh token)."));
        }

        if (s.AdminKeyIsWebhookSecret)
        {
            findings.Add(new(DiagnosticStatus.Warn,
                "Relay:AdminKey equals Relay:WebhookSecret: whoever can publish events (Event Grid's endpoint URL carries the secret) can also list and re-drive dead letters and run this self-check.",
                "Give Relay__AdminKey its own random value (at least 16 characters)."));
        }

        if (s.Production && s.StoragePrefix.Length > 0)
        {
            findings.Add(new(DiagnosticStatus.Fail,
                $"Storage:Prefix is '{s.StoragePrefix}' in Production: the app hands events off to '{s.StoragePrefix}relay-delivery', but the Functions host's queue triggers listen on the plain queue names, so the delivery safety net never runs.",
                "Keep Storage__Prefix empty in Azure (it exists for tests sharing one Azurite)."));
        }

        return findings;
    }
}
