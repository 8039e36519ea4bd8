namespace FunctionsDashboard.Connections;

/// <summary>The answer of negotiate: where the client connects, with which token, and the SSE fallback.</summary>
/// <param name="Url">The SignalR Service client URL (<c>{endpoint}/client/?hub=...</c>).</param>
/// <param name="AccessToken">The client access token for that URL.</param>
/// <param name="SseUrl">The Server-Sent Events fallback for clients that cannot use SignalR.</param>
/// <param name="SseToken">
/// A short-lived stream token for clients that cannot send headers (<c>EventSource</c>): <c>?access_token=</c> on SSE
/// and history. Also set as an HttpOnly cookie for the SSE routes.
/// </param>
public sealed record NegotiateResponse(string Url, string AccessToken, string SseUrl, string? SseToken = null);
