namespace FunctionsDashboard.Configuration;

/// <summary>
/// The app settings the function app reads, as they are written in Azure (environment variables, <c>__</c> between
/// sections). One list so that the Bicep template, the sample local settings and the README can be checked against it.
/// </summary>
public static class AppSettings
{
    /// <summary>Settings the app cannot start without in Azure (identity-based storage form shown; a connection string also works).</summary>
    public static readonly IReadOnlyList<string> RequiredInAzure =
    [
        "AzureWebJobsStorage__accountName",
        "FUNCTIONS_WORKER_RUNTIME",
        "FUNCTIONS_EXTENSION_VERSION",
    ];

    /// <summary>Settings with defaults: set them to change the behaviour.</summary>
    public static readonly IReadOnlyList<string> Optional =
    [
        "Dashboard__HeartbeatInterval",
        "Dashboard__StaleTimeout",
        "Dashboard__ConnectionTimeout",
        "Storage__Prefix",
    ];
}
