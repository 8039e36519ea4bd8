namespace FunctionsDashboard.Tests.Hardening;

/// <summary>One mutated request: its class (for the report), what to send, and what accounting needs.</summary>
/// <param name="Class">The class of input, e.g. <c>upstream.signed-long-connection-id</c>.</param>
/// <param name="Method">HTTP method.</param>
/// <param name="PathAndQuery">Sent as is (no canonicalization), so bad percent-encoding reaches the server.</param>
/// <param name="Headers">Request headers, sent without validation (UTF-8 on the wire).</param>
/// <param name="Body">The body, or null.</param>
/// <param name="ContentType">The Content-Type header value, or null for none.</param>
/// <param name="ConnectionId">For upstream calls: the connection id the call names (state accounting).</param>
/// <param name="IsStream">True for SSE: only the headers are read.</param>
public sealed record FuzzCase(
    string Class,
    string Method,
    string PathAndQuery,
    IReadOnlyList<KeyValuePair<string, string>> Headers,
    byte[]? Body,
    string? ContentType,
    string? ConnectionId = null,
    bool IsStream = false);
