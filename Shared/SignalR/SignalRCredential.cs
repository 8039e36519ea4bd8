using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.SignalR;

/// <summary>
/// The Microsoft Entra credential for the SignalR Service, from the connection string's <c>AuthType</c>:
/// <c>azure.msi</c> → <see cref="ManagedIdentityCredential"/> (user-assigned with <c>ClientId</c>), <c>azure</c> →
/// <see cref="DefaultAzureCredential"/>, <c>azure.app</c> → <see cref="ClientSecretCredential"/>. Created on first use.
/// Tests replace it with a fake <see cref="TokenCredential"/> (the Azure SDK boundary).
/// </summary>
public sealed class SignalRCredential
{
    private readonly Lazy<TokenCredential> _credential;

    /// <summary>The credential the connection string names.</summary>
    public SignalRCredential(IOptions<SignalROptions> options) => _credential = new(() => Create(options.Value.Connection));

    /// <summary>A given credential (tests).</summary>
    public SignalRCredential(TokenCredential credential) => _credential = new(credential);

    /// <summary>The credential.</summary>
    public TokenCredential Value => _credential.Value;

    private static TokenCredential Create(SignalRConnectionString connection) => connection.AuthType switch
    {
        SignalRConnectionString.AuthTypeManagedIdentity => new ManagedIdentityCredential(
            connection.ClientId is { } id ? ManagedIdentityId.FromUserAssignedClientId(id) : ManagedIdentityId.SystemAssigned),
        SignalRConnectionString.AuthTypeApplication => new ClientSecretCredential(connection.TenantId, connection.ClientId, connection.ClientSecret),
        SignalRConnectionString.AuthTypeAzure => new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = connection.ClientId }),
        _ => throw new InvalidOperationException("The SignalR connection string uses an access key; there is no Entra credential."),
    };
}
