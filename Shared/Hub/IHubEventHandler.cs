namespace FunctionsDashboard.Hub;

/// <summary>Handles one upstream event of the hub. Must be idempotent: the Service may repeat or reorder calls.</summary>
public interface IHubEventHandler
{
    /// <summary>Handles the event; the result becomes the invocation's completion when the client awaits one.</summary>
    Task<HubEventResult> HandleAsync(HubEventContext context, CancellationToken cancellationToken);
}
