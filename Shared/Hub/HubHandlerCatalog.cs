using System.Collections.Frozen;

namespace FunctionsDashboard.Hub;

/// <summary>
/// The hub's event handlers, declared statically and frozen at startup. Built once from the declaration table: a
/// duplicate (case-insensitive), an unknown category, a connection event other than connected/disconnected, or a
/// declaration whose handler is missing stops startup with a message that names it. After that the catalog cannot
/// change, and upstream calls dispatch only through it: no client is accepted before its handlers exist.
/// </summary>
public sealed class HubHandlerCatalog
{
    private readonly FrozenDictionary<string, HubHandlerDeclaration> _handlers;

    private HubHandlerCatalog(string hub, FrozenDictionary<string, HubHandlerDeclaration> handlers)
    {
        Hub = hub;
        _handlers = handlers;
    }

    /// <summary>The hub the catalog serves.</summary>
    public string Hub { get; }

    /// <summary>The declared (category, event) pairs.</summary>
    public IEnumerable<HubHandlerDeclaration> Declarations => _handlers.Values;

    /// <summary>Validates the declarations and freezes them. Throws <see cref="InvalidOperationException"/> on any defect.</summary>
    /// <param name="hub">The hub name.</param>
    /// <param name="declarations">The declaration table.</param>
    /// <param name="isRegistered">Whether DI can create a handler type.</param>
    public static HubHandlerCatalog Freeze(string hub, IEnumerable<HubHandlerDeclaration> declarations, Func<Type, bool> isRegistered)
    {
        var errors = new List<string>();
        var handlers = new Dictionary<string, HubHandlerDeclaration>(StringComparer.OrdinalIgnoreCase);
        foreach (var d in declarations)
        {
            var name = $"{d.Category}/{d.Event}";
            if (!string.Equals(d.Category, HubCategories.Connections, StringComparison.OrdinalIgnoreCase)
                && !string.Equals(d.Category, HubCategories.Messages, StringComparison.OrdinalIgnoreCase))
            {
                errors.Add($"{name}: unknown category '{d.Category}' (expected '{HubCategories.Connections}' or '{HubCategories.Messages}')");
                continue;
            }

            if (string.IsNullOrWhiteSpace(d.Event))
            {
                errors.Add($"{d.Category}: a declaration has no event name");
                continue;
            }

            if (string.Equals(d.Category, HubCategories.Connections, StringComparison.OrdinalIgnoreCase)
                && !string.Equals(d.Event, ConnectionEvents.Connected, StringComparison.OrdinalIgnoreCase)
                && !string.Equals(d.Event, ConnectionEvents.Disconnected, StringComparison.OrdinalIgnoreCase))
            {
                errors.Add($"{name}: the connections category only has '{ConnectionEvents.Connected}' and '{ConnectionEvents.Disconnected}'");
                continue;
            }

            if (d.Handler is null)
            {
                errors.Add($"{name}: declared without a handler");
                continue;
            }

            if (!typeof(IHubEventHandler).IsAssignableFrom(d.Handler))
            {
                errors.Add($"{name}: handler {d.Handler.Name} does not implement {nameof(IHubEventHandler)}");
                continue;
            }

            if (!isRegistered(d.Handler))
            {
                errors.Add($"{name}: handler {d.Handler.Name} is not registered in dependency injection");
                continue;
            }

            if (!handlers.TryAdd(Key(d.Category, d.Event), d))
            {
                errors.Add($"{name}: declared more than once");
            }
        }

        if (errors.Count > 0)
        {
            throw new InvalidOperationException($"Hub '{hub}' handler declarations are invalid: {string.Join("; ", errors)}.");
        }

        return new HubHandlerCatalog(hub, handlers.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase));
    }

    /// <summary>Finds the handler for an upstream call; false for another hub or an undeclared event.</summary>
    public bool TryGet(string hub, string category, string @event, out Type handler)
    {
        if (string.Equals(hub, Hub, StringComparison.OrdinalIgnoreCase) && _handlers.TryGetValue(Key(category, @event), out var d))
        {
            handler = d.Handler!;
            return true;
        }

        handler = typeof(void);
        return false;
    }

    private static string Key(string category, string @event) => $"{category}/{@event}";
}
