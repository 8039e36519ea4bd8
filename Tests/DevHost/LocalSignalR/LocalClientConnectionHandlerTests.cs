using System.Net;
using System.Text;
using FunctionsDashboard.DevHost.LocalSignalR;

namespace FunctionsDashboard.Tests.DevHost.LocalSignalR;

public sealed class LocalClientConnectionHandlerTests
{
    [Theory]
    [InlineData(HttpStatusCode.NoContent, "", null)]
    [InlineData(HttpStatusCode.OK, "", null)]
    [InlineData(HttpStatusCode.NotFound, "", "Invocation failed, status code 404")]
    [InlineData(HttpStatusCode.Unauthorized, "{}", "Invocation failed, status code 401")]
    [InlineData(null, "", "Invocation failed, status code 500")]
    public void Completion_UpstreamReply_AsTheEmulator(HttpStatusCode? status, string body, string? error)
    {
        var completion = LocalClientConnectionHandler.Completion("1", new UpstreamReply(status, Encoding.UTF8.GetBytes(body)));

        Assert.Equal(error, completion.Error);
        Assert.False(completion.HasResult);
    }
}
