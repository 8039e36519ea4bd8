namespace FunctionsDashboard.Access;

/// <summary>Who is calling, as far as the access rule is concerned.</summary>
/// <param name="UserId">The user id (null for anonymous callers).</param>
/// <param name="Roles">Roles.</param>
/// <param name="Claims">Claims (type, value).</param>
/// <param name="Source">Where the identity came from: <c>appservice</c>, <c>bearer</c>, <c>stream-token</c> or <c>anonymous</c>.</param>
public sealed record CallerIdentity(string? UserId, IReadOnlyList<string> Roles, IReadOnlyList<KeyValuePair<string, string>> Claims, string Source)
{
    /// <summary>An anonymous caller.</summary>
    public static CallerIdentity Anonymous { get; } = new(null, [], [], "anonymous");

    /// <summary>True when the caller has an identity.</summary>
    public bool IsAuthenticated => UserId is not null;
}
