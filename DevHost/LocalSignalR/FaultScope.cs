using System.Text.Json.Serialization;

namespace FunctionsDashboard.DevHost.LocalSignalR;

/// <summary>Which data-plane REST calls the REST fault knobs apply to.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<FaultScope>))]
internal enum FaultScope
{
    /// <summary>Only the <c>:send</c> calls (to all, user, group, connection). The default.</summary>
    Sends,

    /// <summary>Every data-plane call except <c>/api/health</c>.</summary>
    All,
}
