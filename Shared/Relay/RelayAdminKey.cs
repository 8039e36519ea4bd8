namespace FunctionsDashboard.Relay;

/// <summary>
/// The app-level key of the relay's admin endpoints (<see cref="RelayOptions.AdminKey"/>). In Azure those functions are
/// also <c>AuthorizationLevel.Admin</c> (the host checks its master key); this check is what DevHost, which has no host
/// keys, enforces as well.
/// </summary>
public static class RelayAdminKey
{
    /// <summary>The request header that carries the key.</summary>
    public const string HeaderName = "X-Dashboard-Admin-Key";

    /// <summary>Whether a request presenting <paramref name="presented"/> may use the admin endpoints.</summary>
    public static AdminAccess Check(string configuredKey, string? presented) =>
        string.IsNullOrEmpty(configuredKey) ? AdminAccess.Disabled
        : WebhookSecret.Matches(configuredKey, presented) ? AdminAccess.Granted
        : AdminAccess.Denied;
}
