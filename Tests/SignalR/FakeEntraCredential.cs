using System.Text;
using Azure.Core;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace FunctionsDashboard.Tests.SignalR;

/// <summary>
/// A Microsoft Entra credential for tests (the Azure SDK boundary): hands out JWTs for the requested scope's resource
/// (<c>aud</c>) with an <c>oid</c>, signed with the local Service's Entra key (<c>LocalSignalR:Entra:SigningKey</c>), and
/// records the scopes it was asked for.
/// </summary>
internal sealed class FakeEntraCredential(string signingKey, string objectId) : TokenCredential
{
    private readonly List<string> _scopes = [];
    private int _calls;

    /// <summary>The scopes asked for so far (a copy: a refresh may ask while a test reads).</summary>
    public IReadOnlyList<string> Scopes
    {
        get
        {
            lock (_scopes)
            {
                return [.. _scopes];
            }
        }
    }

    public int Calls => Volatile.Read(ref _calls);

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        lock (_scopes)
        {
            _scopes.AddRange(requestContext.Scopes);
        }

        var resource = requestContext.Scopes.Single().Replace("/.default", "", StringComparison.Ordinal);
        var expires = DateTimeOffset.UtcNow.AddHours(1);
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Audience = resource,
            Issuer = "https://sts.windows.net/00000000-0000-0000-0000-000000000000/",
            Expires = expires.UtcDateTime,
            Claims = new Dictionary<string, object> { ["oid"] = objectId, ["tid"] = "00000000-0000-0000-0000-000000000000" },
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(signingKey)), SecurityAlgorithms.HmacSha256),
        });
        return new AccessToken(token, expires);
    }

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        ValueTask.FromResult(GetToken(requestContext, cancellationToken));
}
