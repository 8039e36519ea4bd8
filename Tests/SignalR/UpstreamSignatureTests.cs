using System.Security.Cryptography;
using System.Text;
using FunctionsDashboard.SignalR;

namespace FunctionsDashboard.Tests.SignalR;

public sealed class UpstreamSignatureTests
{
    private const string Primary = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH";
    private const string Secondary = "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvuts";
    private const string ConnectionId = "conn-1";

    [Fact]
    public void Compute_OneValuePerKey_Sha256UpperHex()
    {
        var header = UpstreamSignature.Compute(ConnectionId, [Primary, Secondary]);

        Assert.Equal($"sha256={Hex(Primary)},sha256={Hex(Secondary)}", header);
    }

    [Theory]
    [InlineData(Primary)]
    [InlineData(Secondary)]
    public void IsValid_EitherOfTwoKeys_Accepted(string signingKey)
    {
        var header = UpstreamSignature.Compute(ConnectionId, [signingKey]);

        Assert.True(UpstreamSignature.IsValid(ConnectionId, header, [Primary, Secondary]));
    }

    [Fact]
    public void IsValid_HeaderWithBothKeys_AcceptedByEitherKey()
    {
        var header = UpstreamSignature.Compute(ConnectionId, [Primary, Secondary]);

        Assert.True(UpstreamSignature.IsValid(ConnectionId, header, [Secondary]));
    }

    [Fact]
    public void IsValid_LowerCaseHex_Accepted()
    {
        Assert.True(UpstreamSignature.IsValid(ConnectionId, $"sha256={Hex(Primary).ToLowerInvariant()}", [Primary]));
        Assert.True(UpstreamSignature.IsValid(ConnectionId, $"SHA256={Hex(Primary)}", [Primary]));
    }

    [Theory]
    [InlineData("sha256=00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF")]
    [InlineData("sha256=not-hex")]
    [InlineData("md5=00112233")]
    [InlineData("")]
    [InlineData(null)]
    public void IsValid_ForgedOrMissing_Rejected(string? header)
    {
        Assert.False(UpstreamSignature.IsValid(ConnectionId, header, [Primary, Secondary]));
    }

    [Fact]
    public void IsValid_SignatureOfAnotherConnection_Rejected()
    {
        var header = UpstreamSignature.Compute("conn-2", [Primary]);

        Assert.False(UpstreamSignature.IsValid(ConnectionId, header, [Primary]));
        Assert.False(UpstreamSignature.IsValid(null, header, [Primary]));
    }

    [Fact]
    public void IsValid_SignedWithAnotherKey_Rejected()
    {
        var header = UpstreamSignature.Compute(ConnectionId, ["another-access-key-that-nobody-configured-here"]);

        Assert.False(UpstreamSignature.IsValid(ConnectionId, header, [Primary, Secondary]));
    }

    private static string Hex(string key) =>
        Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(ConnectionId)));
}
