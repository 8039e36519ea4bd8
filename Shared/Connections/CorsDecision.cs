namespace FunctionsDashboard.Connections;

/// <summary>What CORS allows for one request.</summary>
/// <param name="Allowed">Whether the origin may call.</param>
/// <param name="AllowOrigin">The <c>Access-Control-Allow-Origin</c> value (null: send no CORS headers).</param>
/// <param name="AllowCredentials">Whether to send <c>Access-Control-Allow-Credentials: true</c>.</param>
public sealed record CorsDecision(bool Allowed, string? AllowOrigin, bool AllowCredentials);
