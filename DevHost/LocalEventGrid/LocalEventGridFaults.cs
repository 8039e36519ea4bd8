using Microsoft.Extensions.Options;

namespace FunctionsDashboard.DevHost.LocalEventGrid;

/// <summary>
/// The local Event Grid's fault dice (<see cref="LocalEventGridFaultOptions"/>); tests may change the rates while it runs.
/// </summary>
internal sealed class LocalEventGridFaults(IOptions<LocalEventGridOptions> options)
{
    private readonly Lock _gate = new();
    private readonly Random _random = new(options.Value.Faults.Seed);

    /// <summary>Share of successful deliveries whose answer is treated as lost.</summary>
    public double AckLossRate { get; set; } = options.Value.Faults.AckLossRate;

    /// <summary>Share of deliveries that fail before reaching the app.</summary>
    public double DeliveryFailureRate { get; set; } = options.Value.Faults.DeliveryFailureRate;

    public bool LoseAck() => Roll(AckLossRate);

    public bool FailDelivery() => Roll(DeliveryFailureRate);

    /// <summary>A uniform number in [0, 1) from the same seeded source (retry-schedule randomization).</summary>
    public double NextUnit()
    {
        lock (_gate)
        {
            return _random.NextDouble();
        }
    }

    private bool Roll(double rate) => rate > 0 && NextUnit() < rate;
}
