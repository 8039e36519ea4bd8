namespace FunctionsDashboard.Hub;

/// <summary>The events of category <see cref="HubCategories.Connections"/>.</summary>
public static class ConnectionEvents
{
    /// <summary>A client connected.</summary>
    public const string Connected = "connected";

    /// <summary>A client disconnected.</summary>
    public const string Disconnected = "disconnected";
}
