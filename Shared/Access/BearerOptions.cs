namespace FunctionsDashboard.Access;

/// <summary>Bearer token validation (section <c>Access:Bearer</c>).</summary>
public sealed class BearerOptions
{
    /// <summary>Accepted issuers (<c>iss</c>). Empty: bearer tokens are not accepted.</summary>
    public IList<string> Issuers { get; } = [];

    /// <summary>Accepted audiences (<c>aud</c>). Required when <see cref="Issuers"/> is set.</summary>
    public IList<string> Audiences { get; } = [];

    /// <summary>OpenID Connect metadata address (e.g. <c>https://login.microsoftonline.com/{tenant}/v2.0/.well-known/openid-configuration</c>) for the signing keys.</summary>
    public string? MetadataAddress { get; set; }

    /// <summary>Symmetric signing keys (base64), for tests and private issuers.</summary>
    public IList<string> SymmetricKeys { get; } = [];

    /// <summary>A JSON Web Key Set (JSON text) of signing keys, instead of or besides the metadata address.</summary>
    public string? Jwks { get; set; }

    /// <summary>The claim holding the user id. Default: <c>oid</c>, else <c>sub</c>.</summary>
    public string? UserIdClaim { get; set; }
}
