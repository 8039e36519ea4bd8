using FunctionsDashboard.Health;

namespace FunctionsDashboard.Tests.Support;

/// <summary>A startup step that holds the app not-ready until the test opens it (for startup-race tests).</summary>
public sealed class GateStep : IStartupStep
{
    private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Name => "test-gate";

    public void Open() => _open.TrySetResult();

    public Task RunAsync(CancellationToken cancellationToken) => _open.Task.WaitAsync(cancellationToken);
}
