namespace FunctionsDashboard.Access;

/// <summary>The outcome of the access rule.</summary>
/// <param name="Status">200, 401 or 403.</param>
/// <param name="Identity">The caller (anonymous when none).</param>
/// <param name="Readable">The streams the caller may read (empty when refused).</param>
/// <param name="Reason">Why it was refused.</param>
public sealed record AccessDecision(int Status, CallerIdentity Identity, StreamSet Readable, string? Reason)
{
    /// <summary>True when the caller may read at least one stream.</summary>
    public bool Allowed => Status == 200;
}
