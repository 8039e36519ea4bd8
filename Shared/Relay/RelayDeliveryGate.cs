using Polly;

namespace FunctionsDashboard.Relay;

/// <summary>
/// The one throttling budget of this instance's connection to the SignalR Service: when the Service answers with
/// <c>Retry-After</c> (429, 503), no delivery try of any stream starts before that time has passed (capped at
/// <see cref="RelayDeliveryOptions.MaxDelay"/>). Overlapping answers extend the same pause instead of adding one wait per
/// event. It sits in the <see cref="RelayPipelines.Delivery"/> pipeline inside the retry (every try passes it) and outside
/// the per-try timeout (waiting here is not the Service being slow). Thread-safe.
/// </summary>
public sealed class RelayDeliveryGate(TimeProvider timeProvider)
{
    private long _openAt;
    private long _holds;

    /// <summary>How long tries still wait (zero when the gate is open).</summary>
    public TimeSpan Remaining
    {
        get
        {
            var openAt = Interlocked.Read(ref _openAt);
            var now = timeProvider.GetTimestamp();
            return openAt > now ? timeProvider.GetElapsedTime(now, openAt) : TimeSpan.Zero;
        }
    }

    /// <summary>Times the Service asked this instance to pause.</summary>
    public long Holds => Interlocked.Read(ref _holds);

    /// <summary>No try starts before <paramref name="wait"/> from now (an earlier, longer hold stands).</summary>
    public void Hold(TimeSpan wait)
    {
        if (wait <= TimeSpan.Zero)
        {
            return;
        }

        Interlocked.Increment(ref _holds);
        var until = timeProvider.GetTimestamp() + (long)(wait.TotalSeconds * timeProvider.TimestampFrequency);
        var seen = Interlocked.Read(ref _openAt);
        while (seen < until)
        {
            var found = Interlocked.CompareExchange(ref _openAt, until, seen);
            if (found == seen)
            {
                return;
            }

            seen = found;
        }
    }

    /// <summary>Completes once the gate is open (at once when it is).</summary>
    public async ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        // A hold may be extended while waiting: look again after each wait.
        for (var remaining = Remaining; remaining > TimeSpan.Zero; remaining = Remaining)
        {
            await Task.Delay(remaining, timeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The pipeline strategy: wait for the gate, try, and hold the gate when the answer asks for it.</summary>
    internal sealed class Strategy(RelayDeliveryGate gate, TimeSpan maxDelay) : ResilienceStrategy
    {
        protected override async ValueTask<Outcome<TResult>> ExecuteCore<TResult, TState>(
            Func<ResilienceContext, TState, ValueTask<Outcome<TResult>>> callback,
            ResilienceContext context,
            TState state)
        {
            try
            {
                await gate.WaitAsync(context.CancellationToken).ConfigureAwait(context.ContinueOnCapturedContext);
            }
            catch (OperationCanceledException e)
            {
                return Outcome.FromException<TResult>(e);
            }

            var outcome = await callback(context, state).ConfigureAwait(context.ContinueOnCapturedContext);
            if (RelayPipelines.RetryAfterDelay(outcome.Exception, maxDelay) is { } wait)
            {
                gate.Hold(wait);
            }

            return outcome;
        }
    }
}
