using System.Security.Claims;
using FunctionsDashboard.SignalR;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;

namespace FunctionsDashboard.Tests.SignalR;

public sealed class SignalRTokenServiceTests
{
    internal const string Key = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH";
    internal const string Endpoint = "http://127.0.0.1:7071/localsignalr";

    private readonly FakeTimeProvider _timeProvider = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void CreateClientToken_Claims_AudienceIsClientUrlWithLowerCasedHub()
    {
        var sut = CreateSut(TimeSpan.FromMinutes(30));

        var token = new JsonWebToken(sut.CreateClientToken("Dashboard", "alice"));

        Assert.Equal([$"{Endpoint}/client/?hub=dashboard"], token.Audiences);
        Assert.Equal("alice", token.GetClaim("nameid").Value);
        Assert.Equal(_timeProvider.GetUtcNow().UtcDateTime, token.IssuedAt);
        Assert.Equal(_timeProvider.GetUtcNow().UtcDateTime, token.ValidFrom);
        Assert.Equal(_timeProvider.GetUtcNow().UtcDateTime + TimeSpan.FromMinutes(30), token.ValidTo);
        Assert.Equal("HS256", token.Alg);
        Assert.False(string.IsNullOrEmpty(token.Kid));
        Assert.NotEqual(Key, token.Kid);
        Assert.DoesNotContain(Key, token.EncodedHeader + token.EncodedPayload, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateClientToken_NoUser_NoNameIdClaim()
    {
        var token = new JsonWebToken(CreateSut().CreateClientToken("dashboard", null));

        Assert.False(token.TryGetClaim("nameid", out _));
    }

    [Fact]
    public void CreateClientToken_ExtraClaims_AreCarried()
    {
        var token = new JsonWebToken(CreateSut().CreateClientToken("dashboard", "alice", [new Claim("role", "ops")]));

        Assert.Equal("ops", token.GetClaim("role").Value);
    }

    [Fact]
    public async Task CreateClientToken_WrittenByHand_ValidatesWithJsonWebTokenHandler_AndMatchesItsOwnToken_Issue13()
    {
        var sut = CreateSut();
        var mine = sut.CreateClientToken("dashboard", "alice", [new Claim("role", "ops"), new Claim("nameid", "forged"), new Claim("exp", "1")]);
        var key = SignalRTokenService.SigningKey(Key);
        var theirs = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new Microsoft.IdentityModel.Tokens.SecurityTokenDescriptor
        {
            Audience = $"{Endpoint}/client/?hub=dashboard",
            IssuedAt = _timeProvider.GetUtcNow().UtcDateTime,
            NotBefore = _timeProvider.GetUtcNow().UtcDateTime,
            Expires = _timeProvider.GetUtcNow().UtcDateTime + TimeSpan.FromHours(1),
            Claims = new Dictionary<string, object> { ["role"] = "ops", ["nameid"] = "alice" },
            SigningCredentials = new Microsoft.IdentityModel.Tokens.SigningCredentials(key, Microsoft.IdentityModel.Tokens.SecurityAlgorithms.HmacSha256),
        });

        var validated = await new SignalRTokenValidator(_timeProvider).ValidateAsync(mine, $"{Endpoint}/client/?hub=dashboard", [Key]);
        var token = new JsonWebToken(mine);
        var reference = new JsonWebToken(theirs);

        Assert.NotNull(validated.Principal);
        Assert.Equal("alice", token.GetClaim("nameid").Value); // the user id wins over a claim of the same type
        Assert.Equal(reference.ValidTo, token.ValidTo); // a claim named like a registered one cannot move exp
        Assert.Equal((reference.Alg, reference.Kid, reference.Typ), (token.Alg, token.Kid, token.Typ));
        Assert.Equal(reference.Claims.Select(c => (c.Type, c.Value)).Order(), token.Claims.Select(c => (c.Type, c.Value)).Order());
    }

    [Fact]
    public void CreateRestToken_Audience_IsRequestUrlWithoutQueryOrTrailingSlash()
    {
        var token = new JsonWebToken(CreateSut().CreateRestToken(new Uri($"{Endpoint}/api/hubs/dashboard/?api-version=2022-06-01")));

        Assert.Equal([$"{Endpoint}/api/hubs/dashboard"], token.Audiences);
        Assert.Equal(_timeProvider.GetUtcNow().UtcDateTime + TimeSpan.FromHours(1), token.ValidTo);
    }

    [Fact]
    public void ClientUrl_ClientEndpointGiven_UsesIt()
    {
        var sut = CreateSut(connectionString: $"Endpoint=https://x.service.signalr.net;ClientEndpoint=https://clients.example.com;AccessKey={Key};Version=1.0;");

        Assert.Equal("https://clients.example.com/client/?hub=dashboard", sut.ClientUrl("DASHBOARD"));
    }

    [Fact]
    public void KeyId_SameKey_SameIdThatIsNotTheKey()
    {
        Assert.Equal(SignalRTokenService.KeyId(Key), SignalRTokenService.KeyId(Key));
        Assert.NotEqual(SignalRTokenService.KeyId(Key), SignalRTokenService.KeyId(Key + "x"));
        Assert.DoesNotContain(Key, SignalRTokenService.KeyId(Key), StringComparison.Ordinal);
    }

    internal static SignalRTokenService CreateSut(TimeProvider timeProvider, TimeSpan? lifetime = null, string? connectionString = null)
    {
        var options = new SignalROptions { ConnectionString = connectionString ?? $"Endpoint={Endpoint};AccessKey={Key};Version=1.0;" };
        if (lifetime is { } l)
        {
            options.AccessTokenLifetime = l;
        }

        return new SignalRTokenService(Microsoft.Extensions.Options.Options.Create(options), timeProvider);
    }

    private SignalRTokenService CreateSut(TimeSpan? lifetime = null, string? connectionString = null) =>
        CreateSut(_timeProvider, lifetime, connectionString);
}
