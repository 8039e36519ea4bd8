using FunctionsDashboard.Access;
using FunctionsDashboard.Sse;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Primitives;

namespace FunctionsDashboard.Functions.Access;

/// <summary>Copies a request's credentials for the access rule, and turns refusals into problem+json.</summary>
public static class AccessHttp
{
    /// <summary>The credentials of <paramref name="request"/>: App Service principal headers, Authorization, stream token (query or cookie).</summary>
    public static AccessRequest Credentials(this HttpRequest request)
    {
        var (principal, principalId, authorization) = (First(request.Headers[AppServicePrincipal.Header]), First(request.Headers[AppServicePrincipal.IdHeader]), First(request.Headers.Authorization));
        var streamToken = First(request.Query[StreamTokens.QueryParameter]) ?? (request.Headers.Cookie.Count == 0 ? null : request.Cookies[StreamTokens.CookieName]);
        return principal is null && principalId is null && authorization is null && streamToken is null
            ? AccessRequest.None
            : new AccessRequest(principal, principalId, authorization, streamToken);
    }

    /// <summary>The first value, or null (without boxing the values for LINQ).</summary>
    public static string? First(StringValues values) => values.Count == 0 ? null : values[0];

    /// <summary>
    /// Sets the stream-token cookie for the SSE routes: HttpOnly, <c>Path</c> = the path of <paramref name="sseUrl"/>,
    /// <c>Max-Age</c> = <paramref name="lifetime"/>; over HTTPS Secure and SameSite=None (EventSource with credentials
    /// from another origin), else SameSite=Lax. The same header <c>Cookies.Append</c> writes; its attributes are
    /// formatted once per SSE URL, scheme and lifetime (negotiate's hot path, docs/benchmarks.md).
    /// </summary>
    public static void AppendStreamTokenCookie(HttpResponse response, string token, string sseUrl, bool https, TimeSpan lifetime)
    {
        var attributes = s_cookieAttributes is { } cached && cached.Https == https && cached.Lifetime == lifetime && string.Equals(cached.SseUrl, sseUrl, StringComparison.Ordinal)
            ? cached
            : s_cookieAttributes = CookieAttributes.For(sseUrl, https, lifetime);
        // The stream token is handed out again within its second (StreamTokens.Mint), so is its cookie header.
        var header = s_lastCookie is { } last && ReferenceEquals(last.Attributes, attributes) && string.Equals(last.Token, token, StringComparison.Ordinal)
            ? last.Header
            : (s_lastCookie = new CookieHeader(token, attributes, string.Concat(StreamTokens.CookieName, "=", Uri.EscapeDataString(token), attributes.Text))).Header;
        response.Headers.SetCookie = StringValues.Concat(response.Headers.SetCookie, header);
    }

    /// <summary>401 (with <c>WWW-Authenticate</c>) or 403, as problem+json.</summary>
    public static ProblemHttpResult Refusal(HttpResponse response, AccessDecision decision)
    {
        if (decision.Status == StatusCodes.Status401Unauthorized)
        {
            response.Headers.WWWAuthenticate = "Bearer";
        }

        return TypedResults.Problem(
            statusCode: decision.Status,
            title: decision.Status == StatusCodes.Status401Unauthorized ? "Not signed in" : "Not allowed",
            detail: decision.Reason);
    }

    private static CookieAttributes? s_cookieAttributes;
    private static CookieHeader? s_lastCookie;

    /// <summary>A refused read request as problem+json.</summary>
    public static ProblemHttpResult Problem(ReadProblem problem) =>
        TypedResults.Problem(statusCode: problem.Status, title: problem.Title, detail: problem.Detail);

    /// <summary>The last stream-token cookie header, with the token and attributes it was made of (one reference, so readers never see half of it).</summary>
    private sealed record CookieHeader(string Token, CookieAttributes Attributes, string Header);

    /// <summary>The attributes of the stream-token cookie (<c>; max-age=…; path=…; …</c>) for one SSE URL, scheme and lifetime.</summary>
    private sealed record CookieAttributes(string SseUrl, bool Https, TimeSpan Lifetime, string Text)
    {
        public static CookieAttributes For(string sseUrl, bool https, TimeSpan lifetime)
        {
            var header = new CookieOptions
            {
                HttpOnly = true,
                Secure = https,
                SameSite = https ? SameSiteMode.None : SameSiteMode.Lax,
                Path = new Uri(sseUrl).AbsolutePath,
                MaxAge = lifetime,
            }.CreateCookieHeader(StreamTokens.CookieName, string.Empty).ToString();
            return new CookieAttributes(sseUrl, https, lifetime, header[(StreamTokens.CookieName.Length + 1)..]);
        }
    }
}
