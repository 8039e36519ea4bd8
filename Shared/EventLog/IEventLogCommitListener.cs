namespace FunctionsDashboard.EventLog;

/// <summary>
/// Told by the writer, on the committing instance, right after a commit is durable: the fast path of delivery and SSE.
/// Called in seq order per stream and never concurrently for one stream. Implementations must not block or throw:
/// they queue the work and return (the durable hand-off remains the safety net).
/// </summary>
public interface IEventLogCommitListener
{
    /// <summary>A range of one stream was committed.</summary>
    void OnCommitted(CommittedEvents committed);
}
