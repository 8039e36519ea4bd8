namespace FunctionsDashboard.EventLog;

/// <summary>
/// A stream writer's share of the storage account's transaction rate (<see cref="EventLogOptions.TransactionsPerSecond"/>):
/// a token bucket that every storage transaction of the writer is charged to (claims, commit, hand-off). A writer whose
/// bucket is in debt waits before its next commit, and events arriving meanwhile join that commit; an idle writer has a
/// full bucket (a tenth of a second's worth) and commits at once. Thread-safe.
/// </summary>
internal sealed class TransactionBudget(double perSecond, TimeProvider timeProvider)
{
    private readonly Lock _gate = new();
    private readonly double _capacity = Math.Max(1, perSecond / 10);
    private double _tokens = Math.Max(1, perSecond / 10);
    private long _refilledAt = timeProvider.GetTimestamp();

    /// <summary>Takes <paramref name="transactions"/> from the bucket (it may go into debt).</summary>
    public void Charge(int transactions)
    {
        lock (_gate)
        {
            Refill();
            _tokens -= transactions;
        }
    }

    /// <summary>How long until the bucket is out of debt, or null when it is not in debt.</summary>
    public TimeSpan? Wait()
    {
        lock (_gate)
        {
            Refill();
            return _tokens >= 0 ? null : TimeSpan.FromSeconds(-_tokens / perSecond);
        }
    }

    private void Refill()
    {
        var now = timeProvider.GetTimestamp();
        _tokens = Math.Min(_capacity, _tokens + (timeProvider.GetElapsedTime(_refilledAt, now).TotalSeconds * perSecond));
        _refilledAt = now;
    }
}
