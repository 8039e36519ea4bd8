namespace FunctionsDashboard.Hub;

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
