using FunctionsDashboard.Relay;

namespace FunctionsDashboard.EventLog;

public sealed partial class EventLogWriter
{
    /// <summary>
    /// Fails the appends that are not durable within <see cref="RelayOptions.AckTimeout"/>, with one timer per
    /// writer instead of one per request (a timer per request made every call take the runtime's timer-queue lock twice,
    /// the biggest cost of a one-event call). Every deadline is its call's start + the same timeout, so deadlines fall due
    /// in the order the calls came: a FIFO, with the timer armed for the oldest call still waiting. Calls that finished
    /// are dropped from the front as new ones arrive, or when the timer fires. Thread-safe.
    /// </summary>
    private sealed class AckDeadlines : IDisposable
    {
        private readonly Lock _gate = new();
        private readonly Queue<(long Due, AppendOperation Operation)> _waiting = new();
        private readonly TimeProvider _timeProvider;
        private readonly TimeSpan _timeout;
        private readonly long _timeoutTicks;
        private readonly ITimer _timer;
        private bool _armed;

        public AckDeadlines(TimeSpan timeout, TimeProvider timeProvider)
        {
            _timeProvider = timeProvider;
            _timeout = timeout;
            _timeoutTicks = (long)Math.Ceiling(timeout.TotalSeconds * timeProvider.TimestampFrequency);
            _timer = timeProvider.CreateTimer(static s => ((AckDeadlines)s!).Expire(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        /// <summary>Starts <paramref name="operation"/>'s budget now: it fails unless it is done within the timeout.</summary>
        public void Start(AppendOperation operation)
        {
            lock (_gate)
            {
                while (_waiting.TryPeek(out var oldest) && oldest.Operation.IsDone)
                {
                    _waiting.Dequeue();
                }

                _waiting.Enqueue((_timeProvider.GetTimestamp() + _timeoutTicks, operation));
                if (!_armed)
                {
                    _armed = true;
                    _timer.Change(_timeout, Timeout.InfiniteTimeSpan);
                }
            }
        }

        public void Dispose() => _timer.Dispose();

        private void Expire()
        {
            List<AppendOperation>? expired = null;
            lock (_gate)
            {
                var now = _timeProvider.GetTimestamp();
                while (_waiting.TryPeek(out var oldest) && (oldest.Operation.IsDone || oldest.Due <= now))
                {
                    _waiting.Dequeue();
                    if (!oldest.Operation.IsDone)
                    {
                        (expired ??= []).Add(oldest.Operation);
                    }
                }

                _armed = _waiting.TryPeek(out var next);
                if (_armed)
                {
                    // Rounded up: a timer that fired a tick early would find nothing due and have to be armed again.
                    _timer.Change(TimeSpan.FromTicks((long)Math.Ceiling((next.Due - now) * (double)TimeSpan.TicksPerSecond / _timeProvider.TimestampFrequency)), Timeout.InfiniteTimeSpan);
                }
            }

            if (expired is null)
            {
                return;
            }

            foreach (var operation in expired)
            {
                // Events still waiting (e.g. behind another commit's claim) are dropped by the writer.
                operation.Fail(new EventLogUnavailableException($"The events were not durable within Relay:AckTimeout ({_timeout})."));
            }
        }
    }
}
