using FunctionsDashboard.Access;
using FunctionsDashboard.Connections;
using FunctionsDashboard.Diagnostics;
using FunctionsDashboard.Hub;
using FunctionsDashboard.Relay;
using FunctionsDashboard.SignalR;
using FunctionsDashboard.Sse;
using Microsoft.Extensions.Hosting;

namespace FunctionsDashboard.Functions;

/// <summary>
/// The app's table of contents: every feature's registration, in one place, shared by the Functions worker
/// and DevHost so both run the same code.
/// </summary>
public static class DashboardComposition
{
    /// <summary>Adds every feature of the dashboard backend.</summary>
    public static TBuilder AddDashboard<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.AddDashboardCore();   // options, TimeProvider, storage, readiness, health
        builder.AddSignalRService();  // SignalR Service protocol: connection string, tokens, REST client
        builder.AddConnectionRegistry(); // connection registry (Table), heartbeats, presence counts
        builder.AddDashboardHub();    // statically declared hub handlers, frozen before ready; upstream dispatch
        builder.AddEventGridRelay();  // Event Grid webhook, event log, hand-off to the delivery queue
        builder.AddRelayDelivery();   // delivery to SignalR (10 tries, capped backoff), dead-letter store, re-drive
        builder.AddStreamAccess();    // one access rule for every read path; subscription groups for SignalR delivery
        builder.AddSseFallback();     // Server-Sent Events and history over many streams: one log reader per instance, bounded cursors
        builder.AddDiagnostics();     // GET /api/diagnostics: deep self-checks (storage, SignalR key, upstream, Event Grid, clock, settings)
        return builder;
    }
}
