using FunctionsDashboard.Access;
using FunctionsDashboard.Sse;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FunctionsDashboard.Functions.Access;

/// <summary>Copies a request's credentials for the access rule, and turns refusals into problem+json.</summary>
public static class AccessHttp
{
    /// <summary>The credentials of <paramref name="request"/>: App Service principal headers, Authorization, stream token (query or cookie).</summary>
    public static AccessRequest Credentials(this HttpRequest request) => new(
        request.Headers[AppServicePrincipal.Header].FirstOrDefault(),
        request.Headers[AppServicePrincipal.IdHeader].FirstOrDefault(),
        request.Headers.Authorization.FirstOrDefault(),
        request.Query[StreamTokens.QueryParameter].FirstOrDefault() ?? request.Cookies[StreamTokens.CookieName]);

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

    /// <summary>A refused read request as problem+json.</summary>
    public static ProblemHttpResult Problem(ReadProblem problem) =>
        TypedResults.Problem(statusCode: problem.Status, title: problem.Title, detail: problem.Detail);
}
