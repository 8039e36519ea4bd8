namespace FunctionsDashboard.DevHost.LocalEventGrid;

/// <summary>What the local Event Grid does after a delivery attempt.</summary>
internal enum DeliveryDecision
{
    /// <summary>200–204: delivered.</summary>
    Delivered,

    /// <summary>Any other answer, a timeout or a network error: try again per the schedule.</summary>
    Retry,

    /// <summary>400, 401, 403, 413: never retried; dead-lettered at once.</summary>
    DeadLetter,
}
