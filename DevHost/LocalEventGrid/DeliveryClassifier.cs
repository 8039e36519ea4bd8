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

/// <summary>Event Grid's rules for webhook answers (current docs: 400, 401, 403 and 413 are not retried).</summary>
internal static class DeliveryClassifier
{
    /// <summary>Classifies an answer; <paramref name="statusCode"/> is null when no answer came (timeout, refused connection).</summary>
    public static DeliveryDecision Classify(int? statusCode) => statusCode switch
    {
        >= 200 and <= 204 => DeliveryDecision.Delivered,
        400 or 401 or 403 or 413 => DeliveryDecision.DeadLetter,
        _ => DeliveryDecision.Retry,
    };
}
