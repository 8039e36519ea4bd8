using System.Threading.Tasks.Sources;
using System.Collections.Immutable;
using FunctionsDashboard.Access;

namespace FunctionsDashboard.Sse;

public sealed partial class EventFanout
{
    /// <summary>
    /// A client's view of the fan-out: a bounded buffer the stream's reader writes to and one session reads from.
    /// Built for many idle clients: an idle subscription holds no buffer (it is allocated with the first event), and
    /// waiting (<see cref="WaitAsync"/>) allocates nothing: the wait is this object itself (an
    /// <see cref="IValueTaskSource{TResult}"/>), the quiet-period timer is created once and re-armed, and the
    /// cancellation token is registered once per subscription.
    /// </summary>
    public sealed class Subscription : IDisposable, IValueTaskSource<bool>
    {
        private readonly Feed _feed;
        private readonly int _capacity;
        private readonly TimeProvider _time;
        private readonly Lock _lock = new();
        private Queue<FeedItem>? _buffer;
        private bool _completed;

        // The one pending wait: completed with true (events or completion), false (quiet period over) or cancellation.
        private ManualResetValueTaskSourceCore<bool> _wait = new() { RunContinuationsAsynchronously = true };
        private bool _waiting;
        private ITimer? _quietTimer;
        private long _quietArmedAt;
        private TimeSpan _quietPeriod;
        private CancellationToken _registeredToken;
        private CancellationTokenRegistration _registration;
        private bool _disposed;

        internal Subscription(Feed feed, StreamSet scope, ImmutableDictionary<string, StreamPosition> startVector, CursorCheckpoint startCheckpoint, int capacity, TimeProvider timeProvider)
        {
            _feed = feed;
            Scope = scope;
            StartVector = startVector;
            StartCheckpoint = startCheckpoint;
            _capacity = capacity;
            _time = timeProvider;
        }

        /// <summary>The streams this subscription receives.</summary>
        public StreamSet Scope { get; }

        /// <summary>Every stream's position when the subscription started; later events come through <see cref="TryRead"/>.</summary>
        public ImmutableDictionary<string, StreamPosition> StartVector { get; }

        /// <summary>The fan-out's latest durable checkpoint when the subscription started.</summary>
        public CursorCheckpoint StartCheckpoint { get; }

        /// <summary>True when the client fell behind and its buffer was closed: resume from the log.</summary>
        public bool Lagged { get; private set; }

        /// <summary>True once the buffer is closed (lagged, or unsubscribed) and every buffered event has been read.</summary>
        public bool IsCompleted
        {
            get
            {
                lock (_lock)
                {
                    return _completed && _buffer is not { Count: > 0 };
                }
            }
        }

        /// <summary>Takes the next item (event in seq order per stream, reset, or checkpoint marker).</summary>
        public bool TryRead(out FeedItem item)
        {
            lock (_lock)
            {
                if (_buffer is { Count: > 0 })
                {
                    item = _buffer.Dequeue();
                    return true;
                }
            }

            item = default;
            return false;
        }

        /// <summary>
        /// Waits until there is an event to read or the buffer is closed (true), or until <paramref name="quietPeriod"/>
        /// passes without either (false). One wait at a time. Throws <see cref="OperationCanceledException"/> when
        /// <paramref name="cancellationToken"/> is cancelled.
        /// </summary>
        public ValueTask<bool> WaitAsync(TimeSpan quietPeriod, CancellationToken cancellationToken)
        {
            lock (_lock)
            {
                if (_buffer is { Count: > 0 } || _completed)
                {
                    return new ValueTask<bool>(true);
                }

                if (cancellationToken.IsCancellationRequested)
                {
                    return ValueTask.FromCanceled<bool>(cancellationToken);
                }

                ObjectDisposedException.ThrowIf(_disposed, this);
                if (_waiting)
                {
                    throw new InvalidOperationException("A subscription has one reader: wait for the previous WaitAsync first.");
                }

                _wait.Reset();
                _waiting = true;
                _quietPeriod = quietPeriod;
                _quietArmedAt = _time.GetTimestamp();
                if (_quietTimer is null)
                {
                    _quietTimer = CreateQuietTimer(quietPeriod);
                }
                else
                {
                    _quietTimer.Change(quietPeriod, Timeout.InfiniteTimeSpan);
                }

                if (cancellationToken != _registeredToken)
                {
                    // Once per subscription in practice (a session passes the same token every time). May run
                    // OnCanceled right here, which completes this wait; the lock is re-entrant.
                    _registration.Unregister();
                    _registeredToken = cancellationToken;
                    _registration = cancellationToken.UnsafeRegister(static s => ((Subscription)s!).OnCanceled(), this);
                }

                return new ValueTask<bool>(this, _wait.Version);
            }
        }

        /// <inheritdoc />
        public void Dispose()
        {
            _feed.Remove(this);
            lock (_lock)
            {
                _disposed = true;
                _registration.Unregister();
                _quietTimer?.Dispose();
            }
        }

        /// <summary>Buffers an item (the feed's reader, under the feed's lock); false when the buffer is full.</summary>
        internal bool TryWrite(FeedItem item)
        {
            lock (_lock)
            {
                if (_completed)
                {
                    return true;
                }

                _buffer ??= new Queue<FeedItem>();
                if (_buffer.Count >= _capacity)
                {
                    return false;
                }

                _buffer.Enqueue(item);
                CompleteWait(true);
                return true;
            }
        }

        /// <summary>Buffers items in order, waking the reader once (the feed's reader, under the feed's lock); false when they do not all fit.</summary>
        internal bool TryWrite(FeedItem[] items)
        {
            lock (_lock)
            {
                if (_completed)
                {
                    return true;
                }

                _buffer ??= new Queue<FeedItem>();
                if (_buffer.Count + items.Length > _capacity)
                {
                    return false;
                }

                foreach (var item in items)
                {
                    _buffer.Enqueue(item);
                }

                CompleteWait(true);
                return true;
            }
        }

        /// <summary>Closes the buffer; <paramref name="lagged"/> when the client fell behind.</summary>
        internal void Complete(bool lagged)
        {
            lock (_lock)
            {
                if (_completed)
                {
                    return;
                }

                _completed = true;
                Lagged = lagged;
                CompleteWait(true);
            }
        }

        bool IValueTaskSource<bool>.GetResult(short token) => _wait.GetResult(token);

        ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _wait.GetStatus(token);

        void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _wait.OnCompleted(continuation, state, token, flags);

        private ITimer CreateQuietTimer(TimeSpan dueTime)
        {
            // The callback needs none of the request's context: do not capture it (and keep it alive) in the timer.
            if (ExecutionContext.IsFlowSuppressed())
            {
                return _time.CreateTimer(static s => ((Subscription)s!).OnQuiet(), this, dueTime, Timeout.InfiniteTimeSpan);
            }

            using (ExecutionContext.SuppressFlow())
            {
                return _time.CreateTimer(static s => ((Subscription)s!).OnQuiet(), this, dueTime, Timeout.InfiniteTimeSpan);
            }
        }

        private void OnQuiet()
        {
            lock (_lock)
            {
                // A callback of an earlier wait that was already on its way when that wait ended early comes far too
                // soon for this one: ignore it; this wait's own callback follows.
                if (_waiting && _time.GetElapsedTime(_quietArmedAt) >= _quietPeriod / 2)
                {
                    CompleteWait(false);
                }
            }
        }

        private void OnCanceled()
        {
            lock (_lock)
            {
                if (_waiting)
                {
                    _waiting = false;
                    _quietTimer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                    _wait.SetException(new OperationCanceledException(_registeredToken));
                }
            }
        }

        private void CompleteWait(bool result)
        {
            if (_waiting)
            {
                _waiting = false;
                _quietTimer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                _wait.SetResult(result);
            }
        }
    }
}
