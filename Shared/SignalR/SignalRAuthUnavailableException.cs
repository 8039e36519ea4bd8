namespace FunctionsDashboard.SignalR;

/// <summary>No way to sign a SignalR Service token right now (under Microsoft Entra ID: no signing key fetched yet).</summary>
public sealed class SignalRAuthUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SignalRAuthUnavailableException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public SignalRAuthUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public SignalRAuthUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
