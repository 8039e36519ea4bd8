namespace FunctionsDashboard.Diagnostics;

/// <summary>What the checks know about the request that asked for them.</summary>
/// <param name="OwnOrigin">The app's origin as the caller sees it (<c>https://host</c>), for hints such as the upstream URL template.</param>
public sealed record DiagnosticsContext(string OwnOrigin);
