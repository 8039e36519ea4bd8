using FunctionsDashboard.Relay;

namespace FunctionsDashboard.Tests.Relay;

public sealed class WebhookSecretTests
{
    [Theory]
    [InlineData("s3cret", true)]
    [InlineData("s3creT", false)]
    [InlineData("s3cret ", false)]
    [InlineData("", false)]
    [InlineData("a-much-longer-guess-than-the-secret", false)]
    public void Matches_OneCandidate_OnlyTheExactSecret(string candidate, bool expected)
    {
        Assert.Equal(expected, WebhookSecret.Matches("s3cret", candidate));
    }

    [Fact]
    public void Matches_QueryWrongButHeaderRight_IsAccepted()
    {
        Assert.True(WebhookSecret.Matches("s3cret", "wrong", "s3cret"));
    }

    [Fact]
    public void Matches_NothingPresented_IsRefused()
    {
        Assert.False(WebhookSecret.Matches("s3cret", null, null));
    }
}
