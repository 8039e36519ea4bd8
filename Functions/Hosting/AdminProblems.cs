using FunctionsDashboard.Relay;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FunctionsDashboard.Functions.Hosting;

/// <summary>The app-level admin key check of the admin endpoints, as problem+json answers.</summary>
public static class AdminProblems
{
    /// <summary>Null when the request presents the admin key; otherwise the 401 or 403 to answer.</summary>
    public static ProblemHttpResult? Check(HttpRequest request, string configuredKey) =>
        RelayAdminKey.Check(configuredKey, request.Headers[RelayAdminKey.HeaderName].FirstOrDefault()) switch
        {
            AdminAccess.Granted => null,
            AdminAccess.Disabled => TypedResults.Problem(
                title: "Admin endpoints disabled",
                detail: "Set Relay:AdminKey (app setting Relay__AdminKey) to use this endpoint.",
                statusCode: StatusCodes.Status403Forbidden),
            _ => TypedResults.Problem(
                title: "Unauthorized",
                detail: $"Present the admin key (Relay:AdminKey) in header {RelayAdminKey.HeaderName}.",
                statusCode: StatusCodes.Status401Unauthorized),
        };

    /// <summary>
    /// <see cref="Check"/>, then the optional <c>?stream=</c> filter of the dead-letter endpoints: null when both pass, with
    /// <paramref name="stream"/> the stream asked for (null = every stream); otherwise the 401, 403 or 400 to answer.
    /// </summary>
    public static ProblemHttpResult? CheckWithStream(HttpRequest request, string configuredKey, out string? stream)
    {
        stream = null;
        if (Check(request, configuredKey) is { } refused)
        {
            return refused;
        }

        stream = request.Query["stream"].FirstOrDefault();
        return stream is not null && !StreamName.IsValid(stream)
            ? TypedResults.Problem(title: "Bad stream", detail: $"'{stream}' is not a stream name.", statusCode: StatusCodes.Status400BadRequest)
            : null;
    }
}
