using System.Text;
using System.Text.Json;

namespace FunctionsDashboard.Access;

/// <summary>
/// Reads App Service authentication's <c>X-MS-CLIENT-PRINCIPAL</c>: base64 of
/// <c>{"auth_typ":"aad","claims":[{"typ":"...","val":"..."}],"name_typ":"...","role_typ":"roles"}</c>.
/// </summary>
public static class AppServicePrincipal
{
    /// <summary>The principal header.</summary>
    public const string Header = "X-MS-CLIENT-PRINCIPAL";

    /// <summary>The principal id header.</summary>
    public const string IdHeader = "X-MS-CLIENT-PRINCIPAL-ID";

    /// <summary>Longest header accepted (App Service keeps it well under this).</summary>
    public const int MaxLength = 32 * 1024;

    private static readonly string[] UserIdClaims =
    [
        "http://schemas.microsoft.com/identity/claims/objectidentifier",
        "oid",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier",
        "sub",
    ];

    private static readonly string[] RoleClaims = ["roles", "http://schemas.microsoft.com/ws/2008/06/identity/claims/role"];

    /// <summary>The identity in the headers, or null when there is none or it is malformed.</summary>
    public static CallerIdentity? Read(string? principal, string? principalId)
    {
        if (string.IsNullOrEmpty(principal) || principal.Length > MaxLength)
        {
            return string.IsNullOrWhiteSpace(principalId) ? null : new CallerIdentity(principalId, [], [], "appservice");
        }

        try
        {
            using var doc = JsonDocument.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(principal)));
            var root = doc.RootElement;
            var roleType = root.TryGetProperty("role_typ", out var rt) && rt.ValueKind == JsonValueKind.String ? rt.GetString() : null;
            var claims = new List<KeyValuePair<string, string>>();
            if (root.TryGetProperty("claims", out var list) && list.ValueKind == JsonValueKind.Array)
            {
                foreach (var c in list.EnumerateArray())
                {
                    if (c.TryGetProperty("typ", out var typ) && c.TryGetProperty("val", out var val)
                        && typ.ValueKind == JsonValueKind.String && val.ValueKind == JsonValueKind.String)
                    {
                        claims.Add(new(typ.GetString()!, val.GetString()!));
                    }
                }
            }

            var roles = claims.Where(c => c.Key == roleType || RoleClaims.Contains(c.Key)).Select(c => c.Value).Distinct(StringComparer.Ordinal).ToList();
            var userId = !string.IsNullOrWhiteSpace(principalId)
                ? principalId
                : UserIdClaims.Select(t => claims.FirstOrDefault(c => c.Key == t).Value).FirstOrDefault(v => !string.IsNullOrEmpty(v));
            return userId is null ? null : new CallerIdentity(userId, roles, claims, "appservice");
        }
        catch (Exception e) when (e is FormatException or JsonException or DecoderFallbackException)
        {
            return null;
        }
    }

    /// <summary>Builds a header value (for tests and local tools).</summary>
    public static string Encode(string userId, IEnumerable<string> roles, IEnumerable<KeyValuePair<string, string>>? claims = null)
    {
        var all = new List<object> { new { typ = "http://schemas.microsoft.com/identity/claims/objectidentifier", val = userId } };
        all.AddRange(roles.Select(r => new { typ = "roles", val = r }));
        all.AddRange((claims ?? []).Select(c => new { typ = c.Key, val = c.Value }));
        var json = JsonSerializer.Serialize(new { auth_typ = "aad", claims = all, name_typ = "name", role_typ = "roles" });
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(json));
    }
}
