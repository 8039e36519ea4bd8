namespace FunctionsDashboard.Hub;

/// <summary>Upstream categories of the SignalR Service serverless protocol.</summary>
public static class HubCategories
{
    /// <summary><c>connected</c> / <c>disconnected</c>.</summary>
    public const string Connections = "connections";

    /// <summary>Client invocations; the event is the invocation target.</summary>
    public const string Messages = "messages";
}
