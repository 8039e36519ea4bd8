namespace FunctionsDashboard.SseBench;

/// <summary>What the spawned server process serves.</summary>
public enum ServerMode
{
    /// <summary>B2: a minimal Kestrel endpoint that writes <c>retry:</c>, then a heartbeat comment every 25 s.</summary>
    BareSse,

    /// <summary>B3: a minimal WebSocket endpoint (the memory reference), keep-alive ping every 25 s.</summary>
    BareWs,

    /// <summary>The real DevHost app (<c>DevHostApplication.Create</c>) against Azurite, serving <c>GET /api/events</c>.</summary>
    App,
}

/// <summary>Command-line names and request paths of <see cref="ServerMode"/>.</summary>
public static class ServerModes
{
    /// <summary>Every mode, in the order of the first repetition.</summary>
    public static readonly IReadOnlyList<ServerMode> All = [ServerMode.BareSse, ServerMode.BareWs, ServerMode.App];

    /// <summary>The name used on the command line and in the report.</summary>
    public static string Name(this ServerMode mode) => mode switch
    {
        ServerMode.BareSse => "bare-sse",
        ServerMode.BareWs => "bare-ws",
        ServerMode.App => "app",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, null),
    };

    /// <summary>Parses <see cref="Name"/>.</summary>
    public static ServerMode Parse(string name)
    {
        foreach (var mode in All)
        {
            if (string.Equals(mode.Name(), name, StringComparison.OrdinalIgnoreCase))
            {
                return mode;
            }
        }

        throw new ArgumentException($"Unknown server mode '{name}' (expected bare-sse, bare-ws or app).", nameof(name));
    }

    /// <summary>The path an idle client requests.</summary>
    public static string Path(this ServerMode mode) => mode switch
    {
        ServerMode.BareSse => "/sse",
        ServerMode.BareWs => "/ws",
        ServerMode.App => "/api/events",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, null),
    };

    /// <summary>True when the mode is a baseline (B2, B3) rather than the app.</summary>
    public static bool IsBaseline(this ServerMode mode) => mode != ServerMode.App;
}
