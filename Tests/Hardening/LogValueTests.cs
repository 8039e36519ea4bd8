using FunctionsDashboard.Connections;
using FunctionsDashboard.Hardening;

namespace FunctionsDashboard.Tests.Hardening;

public sealed class LogValueTests
{
    [Fact]
    public void Bounded_9000CharConnectionId_KeepsTheStartAndSaysHowMuchWasCut_Issue14()
    {
        var value = new string('c', 9000);

        var logged = LogValue.Bounded(value);

        Assert.StartsWith(new string('c', LogValue.DefaultMaxLength), logged, StringComparison.Ordinal);
        Assert.EndsWith($"…(+{9000 - LogValue.DefaultMaxLength} chars)", logged, StringComparison.Ordinal);
        Assert.True(logged.Length < LogValue.DefaultMaxLength + 20);
    }

    [Theory]
    [InlineData("a\nb", "a\\u000Ab")]
    [InlineData("a\r\nFAKE 2026 INFO ok", "a\\u000D\\u000AFAKE 2026 INFO ok")]
    [InlineData("x\u202Eevil", "x\\u202Eevil")]
    [InlineData("tab\there", "tab\\u0009here")]
    [InlineData("\u2028", "\\u2028")]
    [InlineData("caf\u00e9 \u65e5\u672c", "caf\u00e9 \u65e5\u672c")]
    public void Bounded_ControlAndBidiCharacters_AreEscaped(string value, string expected) =>
        Assert.Equal(expected, LogValue.Bounded(value));

    [Fact]
    public void Bounded_NullAndShortValues_AsIs()
    {
        Assert.Equal(LogValue.Null, LogValue.Bounded(null));
        const string plain = "conn-123";
        Assert.Same(plain, LogValue.Bounded(plain));
    }

    [Fact]
    public void Bounded_CutInsideASurrogatePair_DoesNotSplitIt()
    {
        var value = new string('a', 9) + "\ud83d\ude00" + "tail";

        var logged = LogValue.Bounded(value, 10);

        Assert.Equal(new string('a', 9) + "…(+6 chars)", logged);
    }

    [Theory]
    [InlineData("eventgrid.azure.net", true)]
    [InlineData("h\u00e9llo.example", false)]
    [InlineData("a\tb", false)]
    [InlineData("", false)]
    public void IsEchoable_OnlyVisibleAscii(string value, bool expected) =>
        Assert.Equal(expected, HeaderValue.IsEchoable(value));

    [Theory]
    [InlineData(null, CorsPolicy.DefaultAllowHeaders)]
    [InlineData("Content-Type, X-SignalR-User-Agent", "content-type, x-signalr-user-agent")]
    [InlineData("x-\u00e9, authorization", "authorization")]
    [InlineData("\u65e5\u672c", CorsPolicy.DefaultAllowHeaders)]
    [InlineData(" , ,", CorsPolicy.DefaultAllowHeaders)]
    public void AllowHeaders_DropsWhatCannotBeEchoed_Issue14(string? requested, string expected) =>
        Assert.Equal(expected, CorsPolicy.AllowHeaders(requested));

    [Fact]
    public void Evaluate_NonAsciiOrigin_IsRefused_Issue14() =>
        Assert.False(CorsPolicy.Evaluate("https://h\u00e9llo.example", "https://h\u00e9llo.example", ["*"]).Allowed);
}
