using FunctionsDashboard.SignalR;

namespace FunctionsDashboard.Tests.SignalR;

public sealed class SignalRConnectionStringTests
{
    private const string Key = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH";

    [Fact]
    public void Parse_Valid_ReadsEndpointKeyAndVersion()
    {
        var parsed = SignalRConnectionString.Parse($"Endpoint=https://x.service.signalr.net;AccessKey={Key};Version=1.0;");

        Assert.Equal(new Uri("https://x.service.signalr.net"), parsed.Endpoint);
        Assert.Equal(Key, parsed.AccessKey);
        Assert.Equal("1.0", parsed.Version);
        Assert.Equal(parsed.Endpoint, parsed.ClientEndpoint);
        Assert.Equal(parsed.Endpoint, parsed.ServerEndpoint);
    }

    [Fact]
    public void Parse_KeysInAnyCase_AreRecognised()
    {
        var parsed = SignalRConnectionString.Parse($"endpoint=https://x.service.signalr.net;ACCESSKEY={Key};vErSiOn=1.0");

        Assert.Equal("x.service.signalr.net", parsed.Endpoint.Host);
        Assert.Equal(Key, parsed.AccessKey);
    }

    [Fact]
    public void Parse_Port_OverridesTheEndpointPort()
    {
        var parsed = SignalRConnectionString.Parse($"Endpoint=http://localhost;Port=8888;AccessKey={Key};Version=1.0;");

        Assert.Equal(8888, parsed.Endpoint.Port);
        Assert.Equal(8888, parsed.ClientEndpoint.Port);
    }

    [Fact]
    public void Parse_ClientAndServerEndpoint_AreUsedForTheirPurpose()
    {
        var parsed = SignalRConnectionString.Parse(
            $"Endpoint=https://x.service.signalr.net;ClientEndpoint=https://clients.example.com;ServerEndpoint=https://private.example.com/;AccessKey={Key};Version=1.0;");

        Assert.Equal("clients.example.com", parsed.ClientEndpoint.Host);
        Assert.Equal("private.example.com", parsed.ServerEndpoint.Host);
        Assert.Equal("x.service.signalr.net", parsed.Endpoint.Host);
    }

    [Fact]
    public void Parse_TrailingSlash_IsTrimmed()
    {
        var parsed = SignalRConnectionString.Parse($"Endpoint=http://127.0.0.1:7071/localsignalr/;AccessKey={Key};Version=1.0;");

        Assert.Equal("/localsignalr", parsed.Endpoint.AbsolutePath);
    }

    [Fact]
    public void Parse_NoVersion_Defaults1_0()
    {
        var parsed = SignalRConnectionString.Parse($"Endpoint=https://x.service.signalr.net;AccessKey={Key}");

        Assert.Equal("1.0", parsed.Version);
    }

    [Theory]
    [InlineData("1.1")]
    [InlineData("1.0.3")]
    public void Parse_Version1x_Accepted(string version)
    {
        Assert.Equal(version, SignalRConnectionString.Parse($"Endpoint=https://x.service.signalr.net;AccessKey={Key};Version={version}").Version);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("AccessKey=" + Key, "at least")]
    [InlineData("AccessKey=" + Key + ";Version=1.0", "no Endpoint")]
    [InlineData("Endpoint=x.service.signalr.net;AccessKey=" + Key, "absolute http or https")]
    [InlineData("Endpoint=/relative/path;AccessKey=" + Key, "absolute http or https")]
    [InlineData("Endpoint=ftp://x.service.signalr.net;AccessKey=" + Key, "absolute http or https")]
    [InlineData("Endpoint=https://x.service.signalr.net;Port=0;AccessKey=" + Key, "Port")]
    [InlineData("Endpoint=https://x.service.signalr.net;Port=65536;AccessKey=" + Key, "Port")]
    [InlineData("Endpoint=https://x.service.signalr.net;Port=eighty;AccessKey=" + Key, "Port")]
    [InlineData("Endpoint=https://x.service.signalr.net;Version=1.0", "no AccessKey")]
    [InlineData("Endpoint=https://x.service.signalr.net;AccessKey=;Version=1.0", "no AccessKey")]
    [InlineData("Endpoint=https://x.service.signalr.net;AccessKey=short-key;Version=1.0", "too short")]
    [InlineData("Endpoint=https://x.service.signalr.net;AccessKey=" + Key + ";Version=2.0", "Version")]
    [InlineData("Endpoint=https://x.service.signalr.net;AccessKey=" + Key + ";accesskey=" + Key, "more than once")]
    [InlineData("Endpoint=https://x.service.signalr.net;AccessKey=" + Key + ";garbage", "Key=Value")]
    [InlineData("Endpoint=https://x.service.signalr.net;ClientEndpoint=nope;AccessKey=" + Key, "ClientEndpoint")]
    [InlineData("Endpoint=https://x.service.signalr.net;AuthType=azure;AccessKey=" + Key, "AuthType")]
    public void Parse_Invalid_ThrowsNamingTheProblemWithoutTheKey(string connectionString, string expected)
    {
        var error = Assert.Throws<FormatException>(() => SignalRConnectionString.Parse(connectionString));

        Assert.Contains(expected, error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Key, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("short-key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_Invalid_FalseWithErrorWithoutTheKey()
    {
        Assert.False(SignalRConnectionString.TryParse($"Endpoint=ftp://x;AccessKey={Key}", out var parsed, out var error));

        Assert.Null(parsed);
        Assert.DoesNotContain(Key, error, StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_HidesTheKey()
    {
        var parsed = SignalRConnectionString.Parse($"Endpoint=https://x.service.signalr.net;AccessKey={Key};Version=1.0;");

        Assert.DoesNotContain(Key, parsed.ToString(), StringComparison.Ordinal);
        Assert.Contains("x.service.signalr.net", parsed.ToString(), StringComparison.Ordinal);
    }
}
