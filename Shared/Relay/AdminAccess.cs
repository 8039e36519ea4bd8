namespace FunctionsDashboard.Relay;

/// <summary>The result of <see cref="RelayAdminKey.Check"/>.</summary>
public enum AdminAccess
{
    /// <summary>The right key.</summary>
    Granted,

    /// <summary>No key, or a wrong one: 401.</summary>
    Denied,

    /// <summary><c>Relay:AdminKey</c> is not set, so nobody may: 403.</summary>
    Disabled,
}
