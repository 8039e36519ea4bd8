namespace FunctionsDashboard.DevHost.LocalSignalR;

/// <summary>Marks the REST endpoints that send a message (<c>:send</c>), the default target of the fault knobs.</summary>
internal sealed class LocalRestSend
{
    public static LocalRestSend Instance { get; } = new();
}
