using FunctionsDashboard.SignalR;
using Microsoft.Extensions.Time.Testing;

namespace FunctionsDashboard.Tests.SignalR;

public sealed class SignalRTokenValidatorTests
{
    private const string Key = SignalRTokenServiceTests.Key;
    private const string OtherKey = "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvuts";
    private static readonly string Audience = $"{SignalRTokenServiceTests.Endpoint}/client/?hub=dashboard";

    private readonly FakeTimeProvider _timeProvider = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task ValidateAsync_ValidToken_PrincipalWithUserId()
    {
        var token = Tokens().CreateClientToken("dashboard", "alice");

        var (principal, error) = await CreateSut().ValidateAsync(token, Audience, [Key]);

        Assert.Null(error);
        Assert.Equal("alice", principal!.Identity!.Name);
        Assert.Equal("alice", principal.FindFirst("nameid")!.Value);
    }

    [Fact]
    public async Task ValidateAsync_SecondOfTwoKeys_Accepted()
    {
        var token = Tokens().CreateClientToken("dashboard", "alice");

        var (principal, _) = await CreateSut().ValidateAsync(token, Audience, [OtherKey, Key]);

        Assert.NotNull(principal);
    }

    [Fact]
    public async Task ValidateAsync_WrongAudience_Rejected()
    {
        var token = Tokens().CreateClientToken("other", "alice");

        var (principal, error) = await CreateSut().ValidateAsync(token, Audience, [Key]);

        Assert.Null(principal);
        Assert.Contains("audience", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ValidateAsync_PastExpiry_Rejected()
    {
        var token = Tokens(TimeSpan.FromMinutes(10)).CreateClientToken("dashboard", "alice");
        var sut = CreateSut();
        Assert.NotNull((await sut.ValidateAsync(token, Audience, [Key])).Principal);

        _timeProvider.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(6));
        var (principal, error) = await sut.ValidateAsync(token, Audience, [Key]);

        Assert.Null(principal);
        Assert.Contains("expired", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ValidateAsync_WrongKey_Rejected()
    {
        var token = Tokens().CreateClientToken("dashboard", "alice");

        var (principal, error) = await CreateSut().ValidateAsync(token, Audience, [OtherKey]);

        Assert.Null(principal);
        Assert.Contains("signature", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "no access token")]
    [InlineData("", "no access token")]
    [InlineData("not-a-jwt", "not valid")]
    public async Task ValidateAsync_NoOrMalformedToken_Rejected(string? token, string expected)
    {
        var (principal, error) = await CreateSut().ValidateAsync(token, Audience, [Key]);

        Assert.Null(principal);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    private SignalRTokenValidator CreateSut() => new(_timeProvider);

    private SignalRTokenService Tokens(TimeSpan? lifetime = null) => SignalRTokenServiceTests.CreateSut(_timeProvider, lifetime);
}
