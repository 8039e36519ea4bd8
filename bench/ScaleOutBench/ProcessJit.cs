using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;

namespace FunctionsDashboard.Bench;

/// <summary>
/// The JIT time of another .NET process (a DevHost this bench started), from its runtime's <c>time-in-jit</c> counter
/// over an EventPipe session (the way dotnet-counters reads it), once a second. <see cref="JitWarmUp"/> uses it to warm the
/// DevHost processes up until they compile almost nothing, as <see cref="System.Runtime.JitInfo"/> does in process.
/// </summary>
internal sealed class ProcessJit : IAsyncDisposable
{
    private readonly EventPipeSession _session;
    private readonly EventPipeEventSource _source;
    private readonly Task _reading;
    private long _microseconds;
    private int _samples;

    private ProcessJit(EventPipeSession session)
    {
        _session = session;
        _source = new EventPipeEventSource(session.EventStream);
        _source.Dynamic.All += OnEvent;
        _reading = Task.Run(_source.Process);
    }

    /// <summary>Whether the process's counter has arrived at least once (if not, <see cref="Compiled"/> means nothing).</summary>
    public bool Read => Volatile.Read(ref _samples) > 0;

    /// <summary>JIT time of the process since the meter started (lags by up to the counter interval, 1 s).</summary>
    public TimeSpan Compiled => TimeSpan.FromMicroseconds(Interlocked.Read(ref _microseconds));

    public static ProcessJit Start(int processId)
    {
        var provider = new EventPipeProvider("System.Runtime", EventLevel.Informational, (long)EventKeywords.None,
            new Dictionary<string, string> { ["EventCounterIntervalSec"] = "1" });
        return new ProcessJit(new DiagnosticsClient(processId).StartEventPipeSession(provider, requestRundown: false));
    }

    private void OnEvent(TraceEvent e)
    {
        if (e.EventName != "EventCounters" || e.PayloadValue(0) is not IDictionary<string, object> outer ||
            outer.TryGetValue("Payload", out var inner) is false || inner is not IDictionary<string, object> counter ||
            counter.TryGetValue("Name", out var name) is false || name as string != "time-in-jit" ||
            counter.TryGetValue("Increment", out var increment) is false)
        {
            return;
        }

        Interlocked.Increment(ref _samples);
        Interlocked.Add(ref _microseconds, (long)(Convert.ToDouble(increment, System.Globalization.CultureInfo.InvariantCulture) * 1000));
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _session.StopAsync(CancellationToken.None);
        }
        catch (ServerNotAvailableException)
        {
            // The process is gone already.
        }

        await _reading.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _source.Dispose();
        _session.Dispose();
    }
}
