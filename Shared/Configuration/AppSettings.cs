namespace FunctionsDashboard.Configuration;

/// <summary>
/// The app settings the function app reads, as they are written in Azure (environment variables, <c>__</c> between
/// sections). One list so that the Bicep template, the sample local settings and the README can be checked against it
/// (<c>Tests/Infra</c> checks <c>infra/main.bicep</c> against both lists).
/// </summary>
/// <remarks>
/// The app runs on the Flex Consumption plan, where the worker runtime and its version (dotnet-isolated 10.0) are the
/// site's <c>functionAppConfig.runtime</c>, not app settings: <c>FUNCTIONS_WORKER_RUNTIME</c> and
/// <c>FUNCTIONS_EXTENSION_VERSION</c> are rejected there. Core Tools still reads <c>FUNCTIONS_WORKER_RUNTIME</c> from
/// <c>local.settings.json</c>.
/// </remarks>
public static class AppSettings
{
    /// <summary>Settings the app cannot start without in Azure (identity-based storage form shown; a connection string also works).</summary>
    public static readonly IReadOnlyList<string> RequiredInAzure =
    [
        "AzureWebJobsStorage__accountName",
        "AzureWebJobsStorage__credential",
        "AzureWebJobsStorage__clientId",
        "AzureSignalRConnectionString",
        "Relay__WebhookSecret",
        "SweepScheduleA",
        "SweepScheduleB",
    ];

    /// <summary>Settings with defaults: set them to change the behaviour.</summary>
    public static readonly IReadOnlyList<string> Optional =
    [
        "AzureWebJobsStorage__blobServiceUri",
        "AzureWebJobsStorage__queueServiceUri",
        "AzureWebJobsStorage__tableServiceUri",
        "SignalR__HubName",
        "SignalR__AllowedOrigins__0",
        "Dashboard__HeartbeatInterval",
        "Dashboard__StaleTimeout",
        "Dashboard__ConnectionTimeout",
        "Storage__Prefix",
        "Relay__AllowUnauthenticated",
        "Relay__MaxBodyBytes",
        "Relay__AckTimeout",
        "Relay__AppendRetries",
        "Relay__OutboxSweepInterval",
        "Relay__PendingGrace",
        "Relay__Delivery__MaxAttempts",
        "Relay__Delivery__BaseDelay",
        "Relay__Delivery__MaxDelay",
        "Relay__Delivery__AttemptTimeout",
    ];
}
