using FunctionsDashboard.EventLog;

namespace FunctionsDashboard.Observability;

/// <summary>Tells <see cref="DeliveryBacklog"/> what this instance committed (a commit listener: queues nothing, never throws).</summary>
internal sealed class DeliveryBacklogListener : IEventLogCommitListener
{
    public void OnCommitted(CommittedEvents committed)
    {
        if (committed.Events.Count > 0)
        {
            DeliveryBacklog.Instance.Committed(committed.Stream, committed.Events[0].Seq, committed.Events[^1].Seq, committed.Events[0].CommittedAt);
        }
    }
}
