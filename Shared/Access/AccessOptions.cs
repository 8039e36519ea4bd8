using FunctionsDashboard.Options;

namespace FunctionsDashboard.Access;

/// <summary>
/// Who may read which streams, on every read path (negotiate and SignalR sends, SSE, history, presence). Section
/// <c>Access</c>.
/// </summary>
public sealed class AccessOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Access";

    /// <summary>Default lifetime of the stream tokens negotiate mints for <c>EventSource</c>.</summary>
    public static readonly TimeSpan DefaultStreamTokenLifetime = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Whether callers without identity may read. Unset: the value of <c>SignalR:AllowAnonymous</c> (default false; the
    /// local sample sets it true).
    /// </summary>
    public bool? AllowAnonymous { get; set; }

    /// <summary>The streams anonymous callers may read (when allowed). Default <c>*</c> (all).</summary>
    public IList<string> AnonymousStreams { get; } = [];

    /// <summary>
    /// Role or claim → readable streams. A caller reads the union of the streams of every rule it matches. With no rules,
    /// every authenticated caller reads every stream.
    /// </summary>
    public IList<AccessRule> Rules { get; } = [];

    /// <summary>
    /// Trust App Service authentication's <c>X-MS-CLIENT-PRINCIPAL</c> headers. Unset: only when the platform says the
    /// feature is on (<c>WEBSITE_AUTH_ENABLED=True</c>; it then strips forged headers). Never set it true where requests
    /// can reach the app without passing App Service authentication.
    /// </summary>
    public bool? TrustAppServicePrincipal { get; set; }

    /// <summary>Bearer tokens (<c>Authorization: Bearer</c>) validated with Microsoft.IdentityModel; off without an issuer.</summary>
    public BearerOptions Bearer { get; set; } = new();

    /// <summary>
    /// Key that signs SSE cursors and stream tokens (at least 32 characters). Unset: derived from the SignalR access key,
    /// or, without one, generated once and kept in storage so every instance uses the same.
    /// </summary>
    [EmptyOrMinLength(32, ErrorMessage = SectionName + ":SigningKey is shorter than 32 characters; use a long random key, or leave it empty to derive one.")]
    public string? SigningKey { get; set; }

    /// <summary>Lifetime of stream tokens (the <c>access_token</c> query of <c>EventSource</c>). Default 10 min; 1 min to 1 h.</summary>
    [SettingRange(typeof(TimeSpan), "00:01:00", "01:00:00", ErrorMessage = SectionName + ":" + nameof(StreamTokenLifetime) + " must be between {1} and {2} (app setting " + SectionName + "__" + nameof(StreamTokenLifetime) + ").")]
    public TimeSpan StreamTokenLifetime { get; set; } = DefaultStreamTokenLifetime;

    /// <summary>Most patterns a request may name (<c>?stream=</c>). Default 50; 1 to 500.</summary>
    [SettingRange(1, 500, ErrorMessage = SectionName + ":" + nameof(MaxStreamsPerRequest) + " must be between {1} and {2} (app setting " + SectionName + "__" + nameof(MaxStreamsPerRequest) + ").")]
    public int MaxStreamsPerRequest { get; set; } = 50;
}
