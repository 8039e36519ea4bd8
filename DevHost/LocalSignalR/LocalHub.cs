namespace FunctionsDashboard.DevHost.LocalSignalR;

/// <summary>
/// One hub of the local Service: its connections, groups and users. Hubs are isolated from each other, as in the
/// Service (a group or user of hub A is unknown to hub B). Group names and user ids are case-sensitive.
/// </summary>
internal sealed class LocalHub(string name)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, LocalClientConnection> _connections = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _groups = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _groupsOfConnection = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _users = new(StringComparer.Ordinal);

    /// <summary>The hub name (lower-cased).</summary>
    public string Name { get; } = name;

    public void Add(LocalClientConnection connection)
    {
        lock (_gate)
        {
            _connections[connection.ConnectionId] = connection;
            if (connection.UserId is { } user)
            {
                Set(_users, user).Add(connection.ConnectionId);
            }
        }
    }

    public void Remove(LocalClientConnection connection)
    {
        lock (_gate)
        {
            if (!_connections.Remove(connection.ConnectionId))
            {
                return;
            }

            RemoveFromAllGroupsLocked(connection.ConnectionId);
            if (connection.UserId is { } user && _users.TryGetValue(user, out var ids) && ids.Remove(connection.ConnectionId) && ids.Count == 0)
            {
                _users.Remove(user);
            }
        }
    }

    public bool TryGet(string connectionId, out LocalClientConnection? connection)
    {
        lock (_gate)
        {
            return _connections.TryGetValue(connectionId, out connection);
        }
    }

    /// <summary>Adds a connection to a group; false when the connection is unknown.</summary>
    public bool AddToGroup(string group, string connectionId)
    {
        lock (_gate)
        {
            if (!_connections.ContainsKey(connectionId))
            {
                return false;
            }

            Set(_groups, group).Add(connectionId);
            Set(_groupsOfConnection, connectionId).Add(group);
            return true;
        }
    }

    /// <summary>Removes a connection from a group; false when it was not a member.</summary>
    public bool RemoveFromGroup(string group, string connectionId)
    {
        lock (_gate)
        {
            if (!_groups.TryGetValue(group, out var members) || !members.Remove(connectionId))
            {
                return false;
            }

            if (members.Count == 0)
            {
                _groups.Remove(group);
            }

            if (_groupsOfConnection.TryGetValue(connectionId, out var groups) && groups.Remove(group) && groups.Count == 0)
            {
                _groupsOfConnection.Remove(connectionId);
            }

            return true;
        }
    }

    public void RemoveFromAllGroups(string connectionId)
    {
        lock (_gate)
        {
            RemoveFromAllGroupsLocked(connectionId);
        }
    }

    public bool GroupExists(string group)
    {
        lock (_gate)
        {
            return _groups.ContainsKey(group);
        }
    }

    public bool UserExists(string user)
    {
        lock (_gate)
        {
            return _users.ContainsKey(user);
        }
    }

    public IReadOnlyList<LocalClientConnection> All(IReadOnlyCollection<string> excluded)
    {
        lock (_gate)
        {
            return _connections.Values.Where(c => !excluded.Contains(c.ConnectionId)).ToList();
        }
    }

    public IReadOnlyList<LocalClientConnection> OfUser(string user, IReadOnlyCollection<string> excluded) => Members(_users, user, excluded);

    public IReadOnlyList<LocalClientConnection> InGroup(string group, IReadOnlyCollection<string> excluded) => Members(_groups, group, excluded);

    public IReadOnlyList<LocalClientConnection> Single(string connectionId) =>
        TryGet(connectionId, out var connection) ? [connection!] : [];

    /// <summary>
    /// Queues one message for each of <paramref name="connections"/> (connections that left meanwhile are skipped); completes
    /// once it is queued everywhere, which is at once unless a connection is <see cref="LocalClientConnection.OutboxCapacity"/>
    /// messages behind.
    /// </summary>
    public static Task SendAsync(IReadOnlyList<LocalClientConnection> connections, ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        List<Task>? pending = null;
        for (var i = 0; i < connections.Count; i++)
        {
            var queued = connections[i].SendAsync(frame, cancellationToken);
            if (!queued.IsCompletedSuccessfully)
            {
                (pending ??= []).Add(queued.AsTask());
            }
        }

        return pending is null ? Task.CompletedTask : Task.WhenAll(pending);
    }

    private IReadOnlyList<LocalClientConnection> Members(Dictionary<string, HashSet<string>> index, string key, IReadOnlyCollection<string> excluded)
    {
        lock (_gate)
        {
            return index.TryGetValue(key, out var ids)
                ? ids.Where(id => !excluded.Contains(id)).Select(id => _connections[id]).ToList()
                : [];
        }
    }

    private void RemoveFromAllGroupsLocked(string connectionId)
    {
        if (!_groupsOfConnection.Remove(connectionId, out var groups))
        {
            return;
        }

        foreach (var group in groups)
        {
            if (_groups.TryGetValue(group, out var members) && members.Remove(connectionId) && members.Count == 0)
            {
                _groups.Remove(group);
            }
        }
    }

    private static HashSet<string> Set(Dictionary<string, HashSet<string>> index, string key)
    {
        if (!index.TryGetValue(key, out var set))
        {
            index[key] = set = new HashSet<string>(StringComparer.Ordinal);
        }

        return set;
    }
}
