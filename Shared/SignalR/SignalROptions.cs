using System.ComponentModel.DataAnnotations;
using FunctionsDashboard.Options;

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
    [Required(ErrorMessage = ConnectionStringSetting + " is not set: give the SignalR Service connection string (Endpoint=...;AccessKey=...;Version=1.0;).")]
    [SignalRConnectionString]
    public string? ConnectionString { get; set; }

    /// <summary>The hub dashboards connect to. Default <c>dashboard</c>; a letter, then letters, digits or <c>_</c>.</summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = HubNameRule)]
    [RegularExpression("^[A-Za-z][A-Za-z0-9_]{0,126}$", ErrorMessage = HubNameRule)]
    public string HubName { get; set; } = DefaultHubName;

    /// <summary>Lifetime of client access tokens handed out by negotiate. Default 1 h; 1 min to 24 h.</summary>
    [SettingRange(typeof(TimeSpan), "00:01:00", "1.00:00:00", ErrorMessage = SectionName + ":" + nameof(AccessTokenLifetime) + " must be between {1} and {2} (app setting " + SectionName + "__" + nameof(AccessTokenLifetime) + ").")]
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
    [OriginList]
    public IList<string> AllowedOrigins { get; } = [];

    private const string HubNameRule = SectionName + ":HubName must start with a letter, then letters, digits or '_' (at most 127; app setting " + SectionName + "__HubName).";

    /// <summary>Parsed <see cref="ConnectionString"/> (set after binding by <see cref="SignalROptionsSetup"/>).</summary>
    internal SignalRConnectionString? Parsed { get; set; }

    /// <summary>The parsed connection string; throws if it is missing or malformed (startup validation reports that first).</summary>
    public SignalRConnectionString Connection =>
        Parsed ??= SignalRConnectionString.Parse(ConnectionString);
}
