namespace FunctionsDashboard.Health;

/// <summary>
/// Whether the app may accept clients. It starts not ready and becomes ready exactly once, after every startup step
/// (handler catalog frozen, storage reachable and provisioned) has succeeded. Negotiate answers 503 until then.
/// </summary>
public sealed class Readiness
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile string? _reason = "starting";
    private long _retryAfterTicks = -1;

    /// <summary>True once startup has finished.</summary>
    public bool IsReady => _reason is null;

    /// <summary>Why the app is not ready yet; null when ready.</summary>
    public string? Reason => _reason;

    /// <summary>Completes when the app becomes ready.</summary>
    public Task WhenReady => _ready.Task;

    /// <summary>When a startup step is waiting to retry: how long that wait is (what a 503's <c>Retry-After</c> can say); else null.</summary>
    public TimeSpan? RetryAfter => !IsReady && Interlocked.Read(ref _retryAfterTicks) is var t and >= 0 ? TimeSpan.FromTicks(t) : null;

    internal void Pending(string reason, TimeSpan? retryAfter = null)
    {
        if (!IsReady)
        {
            Interlocked.Exchange(ref _retryAfterTicks, retryAfter?.Ticks ?? -1);
            _reason = reason;
        }
    }

    internal void MarkReady()
    {
        _reason = null;
        _ready.TrySetResult();
    }
}
