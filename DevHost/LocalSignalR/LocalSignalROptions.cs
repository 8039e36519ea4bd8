using System.ComponentModel.DataAnnotations;
using FunctionsDashboard.Options;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.DevHost.LocalSignalR;

/// <summary>
/// DevHost's local SignalR Service (section <c>LocalSignalR</c>, app settings <c>LocalSignalR__X</c>). Every value has a
/// default; see docs/local-signalr.md. Validated when DevHost starts by <see cref="LocalSignalROptionsValidator"/> (the
/// DataAnnotations) and <see cref="LocalSignalROptionsCrossFieldValidator"/>; each message names the setting.
/// </summary>
internal sealed class LocalSignalROptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "LocalSignalR";

    /// <summary>The upstream route of the app, below DevHost's own base URL.</summary>
    public const string DefaultUpstreamPath = "/api/signalr/upstream";

    private const string Between = " must be between {1} and {2} (app setting " + SectionName + "__";

    private const string KeyLength = " must be at least {1} characters (HS256; app setting " + SectionName + "__";

    /// <summary>
    /// Whether DevHost hosts the local Service. Default (unset): yes when <c>AzureSignalRConnectionString</c> points at
    /// DevHost's own loopback <c>/localsignalr</c>; <c>true</c> forces it on, <c>false</c> off.
    /// </summary>
    public bool? Enabled { get; set; }

    /// <summary>
    /// Where upstream events are POSTed. Default: DevHost's own base URL + <see cref="DefaultUpstreamPath"/>. May contain
    /// <c>{hub}</c>, <c>{category}</c> and <c>{event}</c>, replaced URL-escaped as the Service's URL templates are.
    /// </summary>
    [HttpUrl(Placeholders = "hub,category,event", ErrorMessage = SectionName + ":" + nameof(UpstreamUrl) + " must be an absolute http or https URL (app setting " + SectionName + "__" + nameof(UpstreamUrl) + ").")]
    public string? UpstreamUrl { get; set; }

    /// <summary>How long one upstream call may take. Default 30 s; 1 s to 5 min.</summary>
    [SettingRange(typeof(TimeSpan), "00:00:01", "00:05:00", ErrorMessage = SectionName + ":" + nameof(UpstreamTimeout) + Between + nameof(UpstreamTimeout) + ").")]
    public TimeSpan UpstreamTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Whether a 401 or 403 answer to the <c>connected</c> event closes the client connection. Default true; other
    /// failures (404, 5xx, no answer) are only logged. The real Service's behaviour is not documented; see the docs.
    /// </summary>
    public bool CloseOnConnectedRejected { get; set; } = true;

    /// <summary>How often the Service pings an idle client. Default 15 s (SignalR's default); 1 s to 5 min.</summary>
    [SettingRange(typeof(TimeSpan), "00:00:01", "00:05:00", ErrorMessage = SectionName + ":" + nameof(KeepAliveInterval) + Between + nameof(KeepAliveInterval) + ").")]
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>A client that sends nothing (pings included) for this long is closed. Default 30 s; at least 2 × <see cref="KeepAliveInterval"/>, at most 10 min.</summary>
    [SettingRange(typeof(TimeSpan), "00:00:02", "00:10:00", ErrorMessage = SectionName + ":" + nameof(ClientTimeoutInterval) + Between + nameof(ClientTimeoutInterval) + ").")]
    public TimeSpan ClientTimeoutInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Time for the client's hub-protocol handshake. Default 15 s; 1 s to 5 min.</summary>
    [SettingRange(typeof(TimeSpan), "00:00:01", "00:05:00", ErrorMessage = SectionName + ":" + nameof(HandshakeTimeout) + Between + nameof(HandshakeTimeout) + ").")]
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The well-known local access key (the emulator's and local.settings.sample.json's).</summary>
    public const string DefaultAccessKey = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH";

    /// <summary>The local secondary access key's default (public, like the primary).</summary>
    public const string DefaultSecondaryAccessKey = "local-secondary-access-key-0123456789abcdefgh";

    /// <summary>Primary access key when the app's connection string has none (Entra mode). Default <see cref="DefaultAccessKey"/>; at least 32 characters.</summary>
    [MinLength(32, ErrorMessage = SectionName + ":" + nameof(AccessKey) + KeyLength + nameof(AccessKey) + ").")]
    public string AccessKey { get; set; } = DefaultAccessKey;

    /// <summary>Secondary access key: tokens signed with it are valid, and upstream calls carry its signature too. At least 32 characters.</summary>
    [MinLength(32, ErrorMessage = SectionName + ":" + nameof(SecondaryAccessKey) + KeyLength + nameof(SecondaryAccessKey) + ").")]
    public string SecondaryAccessKey { get; set; } = DefaultSecondaryAccessKey;

    /// <summary>Refuse tokens signed with the access keys (Bicep's <c>disableLocalAuth: true</c>). Default false.</summary>
    public bool DisableLocalAuth { get; set; }

    /// <summary>The local stand-in for Microsoft Entra ID (see <see cref="LocalSignalREntraOptions"/>).</summary>
    [ValidateObjectMembers]
    public LocalSignalREntraOptions Entra { get; set; } = new();

    /// <summary>The fault knobs at startup (also changeable at runtime through <c>/localsignalr/_faults</c>).</summary>
    public LocalSignalRFaultSettings Faults { get; set; } = new();
}
