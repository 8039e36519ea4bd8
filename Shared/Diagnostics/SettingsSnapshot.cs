namespace FunctionsDashboard.Diagnostics;

/// <summary>The settings <see cref="SettingsCheck"/> compares, taken from the bound (and validated) options.</summary>
/// <param name="Production">Whether the host environment is Production (as in Azure unless configured otherwise).</param>
/// <param name="AnonymousAccess">Access:AllowAnonymous in force (falls back to SignalR:AllowAnonymous).</param>
/// <param name="AllowedOrigins">SignalR:AllowedOrigins.</param>
/// <param name="HeartbeatInterval">Dashboard:HeartbeatInterval.</param>
/// <param name="StaleTimeout">Dashboard:StaleTimeout.</param>
/// <param name="ConnectionTimeout">Dashboard:ConnectionTimeout.</param>
/// <param name="WebhookSecretSet">Whether Relay:WebhookSecret is set.</param>
/// <param name="AllowUnauthenticatedWebhook">Relay:AllowUnauthenticated.</param>
/// <param name="AdminKeyIsWebhookSecret">Whether Relay:AdminKey equals Relay:WebhookSecret (never the values themselves).</param>
/// <param name="EventLogRetention">EventLog:Retention.</param>
/// <param name="CursorRetention">Sse:CursorRetention.</param>
/// <param name="StreamTokenLifetime">Access:StreamTokenLifetime.</param>
/// <param name="MaxStreamDuration">Sse:MaxStreamDuration.</param>
/// <param name="StoragePrefix">Storage:Prefix.</param>
public sealed record SettingsSnapshot(
    bool Production,
    bool AnonymousAccess,
    IReadOnlyList<string> AllowedOrigins,
    TimeSpan HeartbeatInterval,
    TimeSpan StaleTimeout,
    TimeSpan ConnectionTimeout,
    bool WebhookSecretSet,
    bool AllowUnauthenticatedWebhook,
    bool AdminKeyIsWebhookSecret,
    TimeSpan EventLogRetention,
    TimeSpan CursorRetention,
    TimeSpan StreamTokenLifetime,
    TimeSpan MaxStreamDuration,
    string StoragePrefix);
