namespace FunctionsDashboard.DevHost.LocalSignalR;

/// <summary>How the Service ends a connection it closes itself.</summary>
internal enum CloseKind
{
    /// <summary>A hub-protocol close message (with the error, no reconnect), then the transport ends.</summary>
    Graceful,

    /// <summary>The transport is aborted without a close message, as in an outage: clients see a lost connection.</summary>
    Abrupt,
}
