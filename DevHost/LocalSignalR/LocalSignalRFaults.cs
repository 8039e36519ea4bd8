using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.DevHost.LocalSignalR;

/// <summary>
/// The fault knobs and counters of the local SignalR Service, at runtime. Tests resolve it from DevHost's DI; people
/// use <c>GET/PUT/DELETE /localsignalr/_faults</c>. Starts from <c>LocalSignalR:Faults</c>. The dice are one seeded
/// <see cref="Random"/> behind a lock, so a given <see cref="LocalSignalRFaultSettings.Seed"/> and call order replay.
/// </summary>
internal sealed class LocalSignalRFaults
{
    private readonly Lock _gate = new();
    private readonly LocalSignalRFaultSettings _configured;
    private readonly ConcurrentDictionary<string, long> _rest = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _made = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _dropped = new(StringComparer.Ordinal);
    private readonly List<(Func<LocalSignalRCounters, bool> Predicate, TaskCompletionSource Done)> _waiters = [];
    private LocalSignalRFaultSettings _current;
    private Random _random;
    private long _upstreamFailed;

    public LocalSignalRFaults(IOptions<LocalSignalROptions> options)
    {
        _configured = options.Value.Faults;
        _current = _configured;
        _random = NewRandom(_configured.Seed);
    }

    /// <summary>Raised after the settings changed (the Service drops its connections when it goes offline).</summary>
    public event Action<LocalSignalRFaultSettings>? Changed;

    /// <summary>The settings in force.</summary>
    public LocalSignalRFaultSettings Current
    {
        get
        {
            lock (_gate)
            {
                return _current;
            }
        }
    }

    /// <summary>What the Service did so far.</summary>
    public LocalSignalRCounters Counters => new(
        new Dictionary<string, long>(_rest),
        new Dictionary<string, long>(_made),
        new Dictionary<string, long>(_dropped),
        Interlocked.Read(ref _upstreamFailed));

    /// <summary>Replaces the settings (and re-seeds the dice). Throws <see cref="ArgumentException"/> naming what is invalid.</summary>
    public void Set(LocalSignalRFaultSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var failures = settings.Validate();
        if (failures.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", failures), nameof(settings));
        }

        lock (_gate)
        {
            _current = settings;
            _random = NewRandom(settings.Seed);
        }

        Changed?.Invoke(settings);
    }

    /// <summary>Changes some settings: <c>faults.Update(f => f with { ErrorRate = 0.2 })</c>.</summary>
    public void Update(Func<LocalSignalRFaultSettings, LocalSignalRFaultSettings> change) => Set(change(Current));

    /// <summary>Back to the configured settings, counters at zero.</summary>
    public void Reset()
    {
        _rest.Clear();
        _made.Clear();
        _dropped.Clear();
        Interlocked.Exchange(ref _upstreamFailed, 0);
        Set(_configured);
    }

    /// <summary>Completes when the counters satisfy <paramref name="predicate"/> (checked now and after every count).</summary>
    public Task WaitForCountersAsync(Func<LocalSignalRCounters, bool> predicate, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (predicate(Counters))
            {
                return Task.CompletedTask;
            }

            _waiters.Add((predicate, done));
        }

        return done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Rolls the dice for one REST call.</summary>
    internal RestFault DrawRestFault(bool isSend)
    {
        lock (_gate)
        {
            var settings = _current;
            if (!isSend && settings.ApplyTo == FaultScope.Sends)
            {
                return RestFault.None;
            }

            var roll = _random.NextDouble();
            if (roll < settings.TooManyRequestsRate)
            {
                return RestFault.TooManyRequests;
            }

            if (roll < settings.TooManyRequestsRate + settings.ErrorRate)
            {
                return _random.Next(4) switch
                {
                    0 => RestFault.Error500,
                    1 => RestFault.Error502,
                    2 => RestFault.Error503,
                    _ => RestFault.Error504,
                };
            }

            return roll < settings.TooManyRequestsRate + settings.ErrorRate + settings.FailAfterDeliveryRate
                ? RestFault.FailAfterDelivery
                : RestFault.None;
        }
    }

    /// <summary>Rolls the dice for one upstream call: true when it is to be silently dropped.</summary>
    internal bool DrawDropUpstream(string eventName)
    {
        lock (_gate)
        {
            return _current.DropsEvent(eventName) && _random.NextDouble() < _current.DropUpstreamRate;
        }
    }

    internal void CountRest(string outcome) => Count(_rest, outcome);

    internal void CountUpstreamMade(string eventName) => Count(_made, eventName);

    internal void CountUpstreamDropped(string eventName) => Count(_dropped, eventName);

    internal void CountUpstreamFailed()
    {
        Interlocked.Increment(ref _upstreamFailed);
        Notify();
    }

    private void Count(ConcurrentDictionary<string, long> counters, string key)
    {
        counters.AddOrUpdate(key, 1, static (_, n) => n + 1);
        Notify();
    }

    private void Notify()
    {
        List<TaskCompletionSource>? ready = null;
        lock (_gate)
        {
            if (_waiters.Count == 0)
            {
                return;
            }

            var counters = Counters;
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Predicate(counters))
                {
                    (ready ??= []).Add(_waiters[i].Done);
                    _waiters.RemoveAt(i);
                }
            }
        }

        ready?.ForEach(done => done.TrySetResult());
    }

#pragma warning disable CA5394 // Fault dice, not security: a seeded Random is the point.
    private static Random NewRandom(int? seed) => seed is { } s ? new Random(s) : new Random();
#pragma warning restore CA5394
}
