using FunctionsDashboard.Access;
using FunctionsDashboard.SignalR;
using Microsoft.Extensions.Time.Testing;

namespace FunctionsDashboard.Tests.Access;

/// <summary>Stream tokens: the token handed out again within its second is exactly the one signing would make.</summary>
public sealed class StreamTokensTests
{
    private static readonly StreamSet Alpha = StreamSet.Of([StreamPattern.Parse("alpha")]);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 12, 0, 0, 250, TimeSpan.Zero));

    [Fact]
    public async Task Mint_SameCallerInOneSecond_IsTheTokenAFreshMinterSigns()
    {
        var alice = new CallerIdentity("alice", [], [], "bearer");
        var first = Create().Mint(alice, Alpha);
        _time.Advance(TimeSpan.FromMilliseconds(700)); // still the same second

        var again = Create(out var fresh).Mint(alice, Alpha);

        Assert.Equal(first, fresh.Mint(alice, Alpha)); // reused by `fresh`: the same string as its own first signature
        Assert.Equal(first, again);
        var (identity, readable) = (await fresh.ValidateAsync(again))!.Value;
        Assert.Equal("alice", identity.UserId);
        Assert.Equal("alpha", readable.Key);
    }

    [Fact]
    public async Task Mint_NextSecondOrOtherCallerOrOtherStreams_IsSignedAnew()
    {
        var tokens = Create();
        var alice = new CallerIdentity("alice", [], [], "bearer");
        var first = tokens.Mint(alice, Alpha);

        var bob = tokens.Mint(new CallerIdentity("bob", [], [], "bearer"), Alpha);
        var all = tokens.Mint(alice, StreamSet.All);
        var anonymous = tokens.Mint(CallerIdentity.Anonymous, Alpha);
        _time.Advance(TimeSpan.FromSeconds(1));
        var later = tokens.Mint(alice, Alpha);

        Assert.Equal(5, new HashSet<string>([first, bob, all, anonymous, later]).Count);
        Assert.Equal("bob", (await tokens.ValidateAsync(bob))!.Value.Identity.UserId);
        Assert.True((await tokens.ValidateAsync(all))!.Value.Readable.IsAll);
        Assert.False((await tokens.ValidateAsync(anonymous))!.Value.Identity.IsAuthenticated);
        Assert.Equal(later, Create().Mint(alice, Alpha));
    }

    private StreamTokens Create() => Create(out _);

    private StreamTokens Create(out StreamTokens tokens)
    {
        var options = Microsoft.Extensions.Options.Options.Create(new AccessOptions { SigningKey = "test-signing-key-test-signing-key" });
        var key = new StreamSigningKey(options, Microsoft.Extensions.Options.Options.Create(new SignalROptions()), null!);
        key.LoadAsync(default).GetAwaiter().GetResult();
        tokens = new StreamTokens(key, options, _time);
        return tokens;
    }
}
