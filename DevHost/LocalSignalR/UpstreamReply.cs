using System.Net;

namespace FunctionsDashboard.DevHost.LocalSignalR;

/// <summary>The answer to one upstream call: its status (null: no call, or no answer) and body.</summary>
internal sealed record UpstreamReply(HttpStatusCode? Status, byte[] Body)
{
    public static UpstreamReply None { get; } = new(null, []);

    public bool IsSuccess => Status is HttpStatusCode.OK or HttpStatusCode.NoContent;
}
