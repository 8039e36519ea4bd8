using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FunctionsDashboard.EventLog;

namespace FunctionsDashboard.DeliveryBench;

/// <summary>
/// A commit listener beside the app's own (registered in the benchmark's DevHost only): for each event, publish → durable,
/// the moment the log tells its listeners (the fast path's start), from the publish timestamp in the event's data
/// (<c>t</c>, <see cref="Stopwatch"/>, same process). Splits a row's publish → client latency into the webhook and commit
/// part and the fan-out part.
/// </summary>
internal sealed class CommitStages : IEventLogCommitListener
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<(int N, double Ms)>> _byStream = new(StringComparer.Ordinal);

    public void OnCommitted(CommittedEvents committed)
    {
        var now = Stopwatch.GetTimestamp();
        var samples = _byStream.GetOrAdd(committed.Stream, _ => new());
        foreach (var e in committed.Events)
        {
            if (e.Data.ValueKind == JsonValueKind.Object && e.Data.TryGetProperty("t", out var t) && e.Data.TryGetProperty("n", out var n))
            {
                samples.Enqueue((n.GetInt32(), Stopwatch.GetElapsedTime(t.GetInt64(), now).TotalMilliseconds));
            }
        }
    }

    /// <summary><c>durable p50 / p99 x / y ms</c> of the measured events (<c>n ≥ firstMeasured</c>) of <paramref name="stream"/>.</summary>
    public string Summary(string stream, int firstMeasured)
    {
        var ms = (_byStream.TryGetValue(stream, out var samples) ? samples : []).Where(s => s.N >= firstMeasured).Select(s => s.Ms).Order().ToArray();
        double P(double q) => ms.Length == 0 ? double.NaN : ms[Math.Min(ms.Length - 1, (int)(q * ms.Length))];
        return string.Create(CultureInfo.InvariantCulture, $"publish → durable p50 / p99 {P(0.50):0.0} / {P(0.99):0.0} ms");
    }
}
