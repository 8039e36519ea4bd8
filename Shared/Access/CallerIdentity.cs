namespace FunctionsDashboard.Access;

/// <summary>Who is calling, as far as the access rule is concerned.</summary>
/// <param name="UserId">The user id (null for anonymous callers).</param>
/// <param name="Roles">Roles.</param>
/// <param name="Claims">Claims (type, value).</param>
/// <param name="Source">Where the identity came from: <c>appservice</c>, <c>bearer</c>, <c>stream-token</c> or <c>anonymous</c>.</param>
public sealed record CallerIdentity(string? UserId, IReadOnlyList<string> Roles, IReadOnlyList<KeyValuePair<string, string>> Claims, string Source)
{
    /// <summary>An anonymous caller.</summary>
    public static CallerIdentity Anonymous { get; } = new(null, [], [], "anonymous");

    /// <summary>True when the caller has an identity.</summary>
    public bool IsAuthenticated => UserId is not null;
}

/// <summary>The credentials a request carries, independent of HTTP (the function copies them from the request).</summary>
/// <param name="AppServicePrincipal">The <c>X-MS-CLIENT-PRINCIPAL</c> header (base64 JSON).</param>
/// <param name="AppServicePrincipalId">The <c>X-MS-CLIENT-PRINCIPAL-ID</c> header.</param>
/// <param name="Authorization">The <c>Authorization</c> header.</param>
/// <param name="StreamToken">A stream token from the <c>access_token</c> query or the stream-token cookie.</param>
public sealed record AccessRequest(string? AppServicePrincipal, string? AppServicePrincipalId, string? Authorization, string? StreamToken)
{
    /// <summary>No credentials.</summary>
    public static AccessRequest None { get; } = new(null, null, null, null);
}

/// <summary>The outcome of the access rule.</summary>
/// <param name="Status">200, 401 or 403.</param>
/// <param name="Identity">The caller (anonymous when none).</param>
/// <param name="Readable">The streams the caller may read (empty when refused).</param>
/// <param name="Reason">Why it was refused.</param>
public sealed record AccessDecision(int Status, CallerIdentity Identity, StreamSet Readable, string? Reason)
{
    /// <summary>True when the caller may read at least one stream.</summary>
    public bool Allowed => Status == 200;
}
