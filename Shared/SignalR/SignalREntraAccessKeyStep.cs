using FunctionsDashboard.Health;

namespace FunctionsDashboard.SignalR;

/// <summary>Startup step under Microsoft Entra ID: fetch the first client-token signing key (retried by the startup service).</summary>
internal sealed class SignalREntraAccessKeyStep(SignalREntraAccessKey key) : IStartupStep
{
    public string Name => "signalr-access-key";

    public Task RunAsync(CancellationToken cancellationToken) => key.RefreshAsync(cancellationToken);
}
