namespace FunctionsDashboard.SignalR;

/// <summary>
/// How the app talks to Azure SignalR Service (serverless mode). Section <c>SignalR</c>; the connection string comes from
/// the app setting <c>AzureSignalRConnectionString</c>, as with the Functions SignalR extension.
/// </summary>
public sealed class SignalROptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "SignalR";

    /// <summary>The app setting holding the connection string.</summary>
    public const string ConnectionStringSetting = "AzureSignalRConnectionString";

    /// <summary>Default hub name.</summary>
    public const string DefaultHubName = "dashboard";

    /// <summary>The connection string (from <see cref="ConnectionStringSetting"/>). Required.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The hub dashboards connect to. Default <c>dashboard</c>; a letter, then letters, digits or <c>_</c>.</summary>
    public string HubName { get; set; } = DefaultHubName;

    /// <summary>Lifetime of client access tokens handed out by negotiate. Default 1 h; 1 min to 24 h.</summary>
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Whether negotiate may hand out connections to callers without an authenticated principal (they get an anonymous
    /// user id). Default false: in Azure, App Service authentication supplies the principal.
    /// </summary>
    public bool AllowAnonymous { get; set; }

    /// <summary>
    /// Origins allowed to call negotiate from a browser (CORS). Exact origins (<c>https://ops.example.com</c>); <c>*</c>
    /// allows any origin but then without credentials. Empty: same-origin only.
    /// </summary>
    public IList<string> AllowedOrigins { get; } = [];

    /// <summary>Parsed <see cref="ConnectionString"/> (set by validation).</summary>
    internal SignalRConnectionString? Parsed { get; set; }

    /// <summary>The parsed connection string; throws if options were not validated.</summary>
    public SignalRConnectionString Connection =>
        Parsed ??= SignalRConnectionString.Parse(ConnectionString);
}
