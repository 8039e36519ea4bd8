using System.Collections.Concurrent;

namespace FunctionsDashboard.DevHost.LocalSignalR;

/// <summary>The hubs of the local Service, by lower-cased name. Drops every connection when the Service goes offline.</summary>
internal sealed class LocalHubStore
{
    /// <summary>The close error of connections dropped by the <see cref="LocalSignalRFaultSettings.Offline"/> knob.</summary>
    public const string OfflineError = "The local SignalR Service went offline.";

    private readonly ConcurrentDictionary<string, LocalHub> _hubs = new(StringComparer.Ordinal);

    public LocalHubStore(LocalSignalRFaults faults) =>
        faults.Changed += settings =>
        {
            if (settings.Offline)
            {
                CloseAll(OfflineError, CloseKind.Abrupt);
            }
        };

    public LocalHub GetOrAdd(string hub) => _hubs.GetOrAdd(hub.ToLowerInvariant(), static name => new LocalHub(name));

    public bool TryGet(string hub, out LocalHub? localHub) => _hubs.TryGetValue(hub.ToLowerInvariant(), out localHub);

    /// <summary>Asks every connection of every hub to close.</summary>
    public void CloseAll(string? error, CloseKind kind)
    {
        foreach (var hub in _hubs.Values)
        {
            foreach (var connection in hub.All([]))
            {
                connection.RequestClose(error, kind);
            }
        }
    }
}
