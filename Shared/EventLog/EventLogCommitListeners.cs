using Microsoft.Extensions.DependencyInjection;

namespace FunctionsDashboard.EventLog;

/// <summary>
/// The registered <see cref="IEventLogCommitListener"/>s, resolved when the first commit is told (not when the log is
/// built): listeners depend on the reader, which is part of the log, so resolving them eagerly would be a cycle.
/// </summary>
public sealed class EventLogCommitListeners
{
    private readonly Func<IEnumerable<IEventLogCommitListener>> _resolve;
    private IEventLogCommitListener[]? _listeners;

    /// <summary>The listeners registered in <paramref name="services"/>.</summary>
    public EventLogCommitListeners(IServiceProvider services)
        : this(services.GetServices<IEventLogCommitListener>)
    {
    }

    private EventLogCommitListeners(Func<IEnumerable<IEventLogCommitListener>> resolve) => _resolve = resolve;

    /// <summary>Exactly these listeners (tests, benchmarks).</summary>
    public static EventLogCommitListeners Of(params IEventLogCommitListener[] listeners) => new(() => listeners);

    /// <summary>The listeners, resolved on first use.</summary>
    public IReadOnlyList<IEventLogCommitListener> All => _listeners ??= [.. _resolve()];
}
