namespace FunctionsDashboard.Connections;

/// <summary>Outcome of <see cref="Negotiator.Negotiate(string?, string, IEnumerable{System.Security.Claims.Claim}?, bool?, string?)"/>: a response, or a refusal with its status and reason.</summary>
/// <param name="Response">The response when granted.</param>
/// <param name="Status">The HTTP status (200, 401 or 503).</param>
/// <param name="Reason">Why it was refused.</param>
/// <param name="RetryAfter">When to try again (503).</param>
public sealed record NegotiateOutcome(NegotiateResponse? Response, int Status, string? Reason = null, TimeSpan? RetryAfter = null);
