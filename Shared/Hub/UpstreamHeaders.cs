namespace FunctionsDashboard.Hub;

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
