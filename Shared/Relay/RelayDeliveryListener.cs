using FunctionsDashboard.EventLog;

namespace FunctionsDashboard.Relay;

/// <summary>
/// The fast path of delivery: the event log's writer tells it about every durable commit on this instance, and the
/// events go straight to their stream's sender (<see cref="RelayDeliveryStream.Offer"/>), without waiting for the
/// queue hand-off, which stays the safety net that retries and dead-letters.
/// </summary>
internal sealed class RelayDeliveryListener(RelayDeliveryStreams streams) : IEventLogCommitListener
{
    /// <inheritdoc />
    public void OnCommitted(CommittedEvents committed)
    {
        if (committed.Events.Count > 0)
        {
            streams.For(committed.Stream).Offer(committed);
        }
    }
}
