using FunctionsDashboard.DevHost.LocalSignalR;
using Microsoft.Extensions.Configuration;

namespace FunctionsDashboard.Tests.DevHost.LocalSignalR;

public sealed class LocalSignalRExtensionsTests
{
    [Theory]
    [InlineData("Endpoint=http://127.0.0.1:7071/localsignalr;AccessKey=ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH;Version=1.0;", "http://127.0.0.1:7071", null, true)]
    [InlineData("Endpoint=http://localhost:7071/localsignalr/;AccessKey=ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH;Version=1.0;", "http://127.0.0.1:7071", null, true)]
    [InlineData("Endpoint=http://127.0.0.1:7071/localsignalr;AccessKey=ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH;Version=1.0;", "http://127.0.0.1:8080", null, false)]
    [InlineData("Endpoint=https://x.service.signalr.net;AccessKey=ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH;Version=1.0;", "http://127.0.0.1:7071", null, false)]
    [InlineData("Endpoint=http://127.0.0.1:7071/other;AccessKey=ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH;Version=1.0;", "http://127.0.0.1:7071", null, false)]
    [InlineData("Endpoint=https://x.service.signalr.net;AccessKey=ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH;Version=1.0;", "http://127.0.0.1:7071", "true", true)]
    [InlineData("Endpoint=http://127.0.0.1:7071/localsignalr;AccessKey=ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH;Version=1.0;", "http://127.0.0.1:7071", "false", false)]
    [InlineData(null, "http://127.0.0.1:7071", null, false)]
    public void IsEnabled_OwnLoopbackEndpointOrSetting(string? connectionString, string urls, string? enabled, bool expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureSignalRConnectionString"] = connectionString,
            ["urls"] = urls,
            ["LocalSignalR:Enabled"] = enabled,
        }).Build();

        Assert.Equal(expected, LocalSignalRExtensions.IsEnabled(configuration));
    }
}
