using FunctionsDashboard.Health;

namespace FunctionsDashboard.Access;

/// <summary>Startup step: resolves the <see cref="StreamSigningKey"/>.</summary>
public sealed class StreamSigningKeyStep(StreamSigningKey key) : IStartupStep
{
    /// <inheritdoc />
    public string Name => "stream signing key";

    /// <inheritdoc />
    public Task RunAsync(CancellationToken cancellationToken) => key.LoadAsync(cancellationToken);
}
