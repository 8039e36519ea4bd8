using FunctionsDashboard.Health;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.SignalR;

/// <summary>
/// Startup step: under Microsoft Entra ID, fetch the first client-token signing key (retried by the startup service);
/// with an access key there is nothing to do.
/// </summary>
internal sealed class SignalREntraAccessKeyStep(SignalREntraAccessKey key, IOptions<SignalROptions> options) : IStartupStep
{
    public string Name => "signalr-access-key";

    public Task RunAsync(CancellationToken cancellationToken) =>
        options.Value.Connection.UsesEntra ? key.RefreshAsync(cancellationToken) : Task.CompletedTask;
}
