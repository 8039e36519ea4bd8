namespace FunctionsDashboard.DevHost.LocalSignalR;

/// <summary>
/// The error body of the Service's data-plane REST API (2022-06-01 <c>ErrorDetail</c>): <c>{code, message, target,
/// details, inner}</c>. The local Service answers with it, not with problem+json, because SDKs parse this shape.
/// </summary>
internal sealed record ServiceError(string Code, string Message, string? Target, IReadOnlyList<ServiceError> Details, ServiceError.InnerError? Inner)
{
    /// <summary>The <c>inner</c> part: a more specific code.</summary>
    internal sealed record InnerError(string Code);

    /// <summary>An error answer with <paramref name="status"/>.</summary>
    public static IResult Result(int status, string code, string message, string? target = null) =>
        TypedResults.Json(new ServiceError(code, message, target, [], null), statusCode: status);
}
