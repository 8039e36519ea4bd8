namespace FunctionsDashboard.DevHost.LocalEventGrid;

/// <summary>Fault knobs of the local Event Grid (section <c>LocalEventGrid:Faults</c>); all off by default.</summary>
internal sealed class LocalEventGridFaultOptions
{
    /// <summary>Share of successful deliveries whose answer is "lost": Event Grid retries an event the app already has.</summary>
    public double AckLossRate { get; set; }

    /// <summary>Share of deliveries that fail before reaching the app (counted as failed attempts, then retried).</summary>
    public double DeliveryFailureRate { get; set; }

    /// <summary>Seed of the fault dice, for repeatable runs.</summary>
    public int Seed { get; set; } = 1;
}
