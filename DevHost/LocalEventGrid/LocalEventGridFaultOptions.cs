using FunctionsDashboard.Options;

namespace FunctionsDashboard.DevHost.LocalEventGrid;

/// <summary>Fault knobs of the local Event Grid (section <c>LocalEventGrid:Faults</c>); all off by default.</summary>
internal sealed class LocalEventGridFaultOptions
{
    private const string Prefix = LocalEventGridOptions.SectionName + ":Faults:";

    private const string Between = " must be between {1} and {2} (app setting " + LocalEventGridOptions.SectionName + "__Faults__";

    /// <summary>Share of successful deliveries whose answer is "lost": Event Grid retries an event the app already has. 0 to 1.</summary>
    [SettingRange(0d, 1d, ErrorMessage = Prefix + nameof(AckLossRate) + Between + nameof(AckLossRate) + ").")]
    public double AckLossRate { get; set; }

    /// <summary>Share of deliveries that fail before reaching the app (counted as failed attempts, then retried). 0 to 1.</summary>
    [SettingRange(0d, 1d, ErrorMessage = Prefix + nameof(DeliveryFailureRate) + Between + nameof(DeliveryFailureRate) + ").")]
    public double DeliveryFailureRate { get; set; }

    /// <summary>Seed of the fault dice, for repeatable runs.</summary>
    public int Seed { get; set; } = 1;
}
