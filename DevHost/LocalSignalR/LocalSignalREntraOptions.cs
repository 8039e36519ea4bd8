using FunctionsDashboard.Options;

namespace FunctionsDashboard.DevHost.LocalSignalR;

/// <summary>
/// How the local Service checks Microsoft Entra tokens (section <c>LocalSignalR:Entra</c>). There is no Entra ID here:
/// a "local Entra" is a symmetric key that signs the tokens a test's credential hands out. What is checked is what the
/// Service relies on: a valid signature and lifetime, <c>aud</c> = <see cref="Audience"/> (the scope
/// <c>https://signalr.azure.com/.default</c> yields that audience), and, standing in for the "SignalR App Server" role
/// assignment, the token's <c>oid</c> among <see cref="AppServerObjectIds"/> when that list is not empty.
/// </summary>
internal sealed class LocalSignalREntraOptions
{
    /// <summary>The audience Entra tokens for Azure SignalR Service carry.</summary>
    public const string DefaultAudience = "https://signalr.azure.com";

    /// <summary>Key (at least 32 characters) that signs local Entra tokens (HS256). Unset: Entra tokens are refused.</summary>
    [EmptyOrMinLength(32, ErrorMessage = LocalSignalROptions.SectionName + ":Entra:SigningKey must be at least 32 characters (HS256; app setting " + LocalSignalROptions.SectionName + "__Entra__SigningKey).")]
    public string? SigningKey { get; set; }

    /// <summary>Expected <c>aud</c>. Default <see cref="DefaultAudience"/>.</summary>
    public string Audience { get; set; } = DefaultAudience;

    /// <summary>Object ids holding "SignalR App Server" (<c>oid</c> claim); empty: every valid token does. Others get 403.</summary>
    public IList<string> AppServerObjectIds { get; } = [];
}
