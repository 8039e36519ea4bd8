using FunctionsDashboard.Hub;
using FunctionsDashboard.Relay;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace FunctionsDashboard.Functions.Connections;

/// <summary>
/// <c>POST /api/signalr/upstream</c>: the SignalR Service's upstream target (connected, disconnected, client
/// invocations). Signature checked; dispatch only through the frozen handler catalog.
/// </summary>
public sealed class SignalRUpstreamFunction(UpstreamDispatcher dispatcher)
{
    /// <summary>The function name (app settings such as <c>AzureWebJobs.SignalRUpstream.Disabled</c> use it).</summary>
    public const string Name = "SignalRUpstream";

    /// <summary>Largest upstream body accepted (the Service forwards client messages up to 1 MB).</summary>
    public const int MaxBodyBytes = 1024 * 1024;

    /// <summary>Checks and dispatches one upstream call.</summary>
    [Function(Name)]
    public async Task<IResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "signalr/upstream")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var body = await BoundedBody.ReadAsync(request.Body, request.ContentLength, MaxBodyBytes, cancellationToken);
        if (body is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Body too large", detail: $"Upstream bodies are limited to {MaxBodyBytes} bytes.");
        }

        var outcome = await dispatcher.DispatchAsync(new UpstreamRequest(name => request.Headers[name].FirstOrDefault(), request.ContentType, body), cancellationToken);
        return outcome switch
        {
            { Body: { } frame } => TypedResults.Bytes(frame, "application/json"),
            { Succeeded: true } => TypedResults.NoContent(),
            _ => TypedResults.Problem(statusCode: outcome.StatusCode, title: outcome.Title, detail: outcome.Detail),
        };
    }
}
