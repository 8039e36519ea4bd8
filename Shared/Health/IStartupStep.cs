namespace FunctionsDashboard.Health;

/// <summary>
/// Work that must succeed before the app reports ready. Steps run in registration order; a failing step is retried
/// with capped exponential backoff until it succeeds (the app stays up and says why it is not ready meanwhile).
/// </summary>
public interface IStartupStep
{
    /// <summary>Short name shown in health output and logs.</summary>
    string Name { get; }

    /// <summary>Runs the step; throws when it cannot complete yet.</summary>
    Task RunAsync(CancellationToken cancellationToken);
}
