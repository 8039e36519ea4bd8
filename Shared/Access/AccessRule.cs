namespace FunctionsDashboard.Access;

/// <summary>Grants the streams in <see cref="Streams"/> to callers with <see cref="Role"/>, or with claim <see cref="ClaimType"/> = <see cref="ClaimValue"/>.</summary>
public sealed class AccessRule
{
    /// <summary>A role (App Service <c>roles</c> claims, or the bearer token's <c>roles</c>).</summary>
    public string? Role { get; set; }

    /// <summary>A claim type; with <see cref="ClaimValue"/>, or alone for "has the claim".</summary>
    public string? ClaimType { get; set; }

    /// <summary>The claim's value.</summary>
    public string? ClaimValue { get; set; }

    /// <summary>Stream names or prefix patterns (<c>orders.*</c>, <c>*</c>).</summary>
    public IList<string> Streams { get; } = [];
}
