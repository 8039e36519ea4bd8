using System.Collections.Concurrent;
using FunctionsDashboard.EventLog;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Relay;

/// <summary>
/// This instance's per-stream senders (<see cref="RelayDeliveryStream"/>), created on first use. A sender holds a few
/// hundred bytes plus the events waiting to be sent; its loop runs only while there is work. Senders stop when the host
/// stops (unsettled events are then sent by the safety net, from the log).
/// </summary>
internal sealed class RelayDeliveryStreams
{
    private readonly ConcurrentDictionary<string, RelayDeliveryStream> _streams = new(StringComparer.Ordinal);
    private readonly Lazy<IEventLogReader> _reader;

    /// <summary>
    /// Creates the senders. The reader comes through a factory, resolved on first use: the event log's writer depends
    /// on the commit listeners, which depend on this, which reads the log, so resolving the reader here at construction
    /// would be a dependency cycle.
    /// </summary>
    public RelayDeliveryStreams(
        Func<IEventLogReader> reader,
        DeliveryStateStore states,
        RelayDeliverySender sender,
        IOptions<RelayOptions> options,
        CancellationToken stopping,
        TimeProvider timeProvider,
        ILogger<RelayDelivery> logger)
    {
        _reader = new Lazy<IEventLogReader>(reader);
        States = states;
        Sender = sender;
        Options = options.Value.Delivery;
        Stopping = stopping;
        Time = timeProvider;
        Logger = logger;
    }

    public IEventLogReader Reader => _reader.Value;

    public DeliveryStateStore States { get; }

    public RelayDeliverySender Sender { get; }

    public RelayDeliveryOptions Options { get; }

    public CancellationToken Stopping { get; }

    public TimeProvider Time { get; }

    public ILogger Logger { get; }

    /// <summary>
    /// This instance's name in the delivery leases (<see cref="RelayDeliveryLease"/>): unique per process and per
    /// instance of this class (a restart is another holder).
    /// </summary>
    public string InstanceId { get; } = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>The sender of <paramref name="stream"/>.</summary>
    public RelayDeliveryStream For(string stream) => _streams.GetOrAdd(stream, static (s, owner) => new RelayDeliveryStream(s, owner), this);
}
