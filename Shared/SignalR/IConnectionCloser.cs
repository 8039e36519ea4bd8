namespace FunctionsDashboard.SignalR;

/// <summary>Closes a client connection at the SignalR Service (REST <c>DELETE /connections/{id}</c>).</summary>
public interface IConnectionCloser
{
    /// <summary>Closes the connection; false when the Service did not know it (already gone).</summary>
    Task<bool> CloseConnectionAsync(string connectionId, string? reason, CancellationToken cancellationToken);
}
