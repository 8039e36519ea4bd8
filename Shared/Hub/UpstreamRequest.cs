namespace FunctionsDashboard.Hub;

/// <summary>The HTTP request the Service POSTs upstream, reduced to what dispatch needs (host-agnostic).</summary>
/// <param name="Header">Reads a request header (null when absent).</param>
/// <param name="ContentType">The request's content type.</param>
/// <param name="Body">The request body.</param>
public sealed record UpstreamRequest(Func<string, string?> Header, string? ContentType, ReadOnlyMemory<byte> Body);

/// <summary>What to answer the Service: a status, and either a problem (title, detail) or a body.</summary>
/// <param name="StatusCode">HTTP status.</param>
/// <param name="Title">Problem title for 4xx/5xx.</param>
/// <param name="Detail">Problem detail for 4xx/5xx.</param>
/// <param name="Body">Response body for 200 (a hub-protocol completion frame).</param>
public sealed record UpstreamOutcome(int StatusCode, string? Title = null, string? Detail = null, byte[]? Body = null)
{
    /// <summary>204: handled, nothing to return.</summary>
    public static UpstreamOutcome NoContent { get; } = new(204);

    /// <summary>True for 2xx.</summary>
    public bool Succeeded => StatusCode is >= 200 and < 300;

    internal static UpstreamOutcome Problem(int status, string title, string detail) => new(status, title, detail);
}

/// <summary>The <c>X-ASRS-*</c> header names.</summary>
public static class UpstreamHeaders
{
    /// <summary>Connection id.</summary>
    public const string ConnectionId = "X-ASRS-Connection-Id";

    /// <summary>Hub.</summary>
    public const string Hub = "X-ASRS-Hub";

    /// <summary>Category.</summary>
    public const string Category = "X-ASRS-Category";

    /// <summary>Event.</summary>
    public const string Event = "X-ASRS-Event";

    /// <summary>User id (only when there is a user).</summary>
    public const string UserId = "X-ASRS-User-Id";

    /// <summary>Other claims, <c>type: value</c> pairs joined by <c>, </c>.</summary>
    public const string UserClaims = "X-ASRS-User-Claims";

    /// <summary>The client's original query string; contains <c>access_token</c>: never log it.</summary>
    public const string ClientQuery = "X-ASRS-Client-Query";

    /// <summary>The HMAC signature(s).</summary>
    public const string Signature = "X-ASRS-Signature";
}
