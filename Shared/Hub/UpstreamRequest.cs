namespace FunctionsDashboard.Hub;

/// <summary>The HTTP request the Service POSTs upstream, reduced to what dispatch needs (host-agnostic).</summary>
/// <param name="Header">Reads a request header (null when absent).</param>
/// <param name="ContentType">The request's content type.</param>
/// <param name="Body">The request body.</param>
public sealed record UpstreamRequest(Func<string, string?> Header, string? ContentType, ReadOnlyMemory<byte> Body);
