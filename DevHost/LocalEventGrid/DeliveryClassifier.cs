namespace FunctionsDashboard.DevHost.LocalEventGrid;

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
