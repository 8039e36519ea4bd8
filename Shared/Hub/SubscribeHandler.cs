using FunctionsDashboard.SignalR;

namespace FunctionsDashboard.Hub;

/// <summary><c>messages/subscribe</c>: joins the connection to its subscription group (idempotent) and answers the group.</summary>
public sealed class SubscribeHandler(SignalRRestClient rest) : IHubEventHandler
{
    /// <inheritdoc />
    public async Task<HubEventResult> HandleAsync(HubEventContext context, CancellationToken cancellationToken)
    {
        var group = DashboardHubHandlers.GroupOf(context);
        if (group is not null)
        {
            await rest.AddToGroupAsync(group, context.ConnectionId, cancellationToken);
        }

        return new HubEventResult(new { group });
    }
}
