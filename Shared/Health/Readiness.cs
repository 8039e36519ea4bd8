namespace FunctionsDashboard.Health;

/// <summary>
/// Whether the app may accept clients. It starts not ready and becomes ready exactly once, after every startup step
/// (handler catalog frozen, storage reachable and provisioned) has succeeded. Negotiate answers 503 until then.
/// </summary>
public sealed class Readiness
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile string? _reason = "starting";

    /// <summary>True once startup has finished.</summary>
    public bool IsReady => _reason is null;

    /// <summary>Why the app is not ready yet; null when ready.</summary>
    public string? Reason => _reason;

    /// <summary>Completes when the app becomes ready.</summary>
    public Task WhenReady => _ready.Task;

    internal void Pending(string reason)
    {
        if (!IsReady)
        {
            _reason = reason;
        }
    }

    internal void MarkReady()
    {
        _reason = null;
        _ready.TrySetResult();
    }
}
