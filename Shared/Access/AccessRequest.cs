namespace FunctionsDashboard.Access;

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
