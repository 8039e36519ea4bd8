using System.Net;
using FunctionsDashboard.SignalR;
using Microsoft.Extensions.Options;
using Polly.Timeout;

namespace FunctionsDashboard.Diagnostics;

/// <summary>
/// <c>signalr-key</c>: one harmless authenticated REST call to the SignalR Service (does a connection named
/// <c>self-check-…</c> exist? It never does), signed as every REST call is: with the access key, or under Microsoft
/// Entra ID with the key fetched with the app's identity. 401/403 mean the Service refuses the credentials.
/// </summary>
public sealed class SignalRKeyCheck(SignalRRestClient rest, IOptions<SignalROptions> options) : IDiagnosticCheck
{
    /// <summary>The check's name.</summary>
    public const string CheckName = "signalr-key";

    /// <inheritdoc />
    public string Name => CheckName;

    /// <inheritdoc />
    public async Task<DiagnosticCheckResult> RunAsync(DiagnosticsContext context, CancellationToken cancellationToken)
    {
        var connection = options.Value.Connection;
        var endpoint = connection.ServerEndpoint.GetLeftPart(UriPartial.Authority);
        var auth = connection.UsesEntra ? $"Microsoft Entra ID ({connection.AuthType})" : "the access key";
        var refusedHint = connection.UsesEntra
            ? "Grant the app's identity (ClientId in AzureSignalRConnectionString) the 'SignalR REST API Owner' and 'SignalR App Server' roles on the SignalR resource; role assignments take a few minutes to apply."
            : "Copy a current key from the SignalR resource (Keys) into AzureSignalRConnectionString's AccessKey: it was rotated or belongs to another resource. " +
              "If the resource has local auth disabled, use AuthType=azure.msi;ClientId=<identity> instead of a key.";
        try
        {
            await rest.ConnectionExistsAsync("self-check-" + Guid.NewGuid().ToString("N")[..12], cancellationToken);
        }
        catch (SignalRRestException e) when (e.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            return DiagnosticCheckResult.Fail(CheckName, $"The SignalR Service at {endpoint} refused a REST call signed with {auth}: {(int)e.StatusCode} {e.StatusCode}.", refusedHint);
        }
        catch (SignalRRestException e)
        {
            return DiagnosticCheckResult.Fail(CheckName, $"The SignalR Service at {endpoint} answered {(int)e.StatusCode} {e.StatusCode} to a REST call.",
                "The Service is failing or throttling: check its health in the portal (Resource health, Metrics); the delivery retries meanwhile.");
        }
        catch (SignalRAuthUnavailableException)
        {
            return DiagnosticCheckResult.Fail(CheckName, $"No REST token could be signed with {auth}: the Service did not hand the app a signing key.", refusedHint);
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutRejectedException or TimeoutException)
        {
            return DiagnosticCheckResult.Fail(CheckName, $"The SignalR Service at {endpoint} did not answer ({e.GetType().Name}).",
                "Check the Endpoint (and Port, ServerEndpoint) in AzureSignalRConnectionString and the network path from the app to the Service.");
        }

        return DiagnosticCheckResult.Ok(CheckName, $"The SignalR Service at {endpoint} accepted a REST call signed with {auth}.");
    }
}
