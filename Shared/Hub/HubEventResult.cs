namespace FunctionsDashboard.Hub;

/// <summary>A handler's answer: nothing, or a value returned to an awaiting client.</summary>
public sealed record HubEventResult(object? Value)
{
    /// <summary>No value.</summary>
    public static HubEventResult Empty { get; } = new((object?)null);
}
