using System.Globalization;
using FunctionsDashboard.SignalR;
using Microsoft.AspNetCore.Http.Features;

namespace FunctionsDashboard.DevHost.LocalSignalR;

/// <summary>
/// What every data-plane REST call of the local Service goes through, in this order: offline (503 +
/// <c>Retry-After</c>); the bearer token (a Microsoft Entra token, 401/403 as <see cref="LocalSignalRKeys.CheckEntraAsync"/>
/// says; or an access-key token: signature, <c>aud</c> = the request URL as <see cref="SignalRAudience"/> reads it,
/// expiry; 401 otherwise); the hub name (400); the <see cref="LocalSignalRFaultSettings.Latency"/>; the fault dice
/// (429 + <c>Retry-After</c>, 5xx without delivery, or delivery then 500). Counts every outcome.
/// </summary>
internal sealed class LocalRestFilter(
    LocalSignalRFaults faults,
    SignalRTokenValidator validator,
    LocalSignalRKeys keys,
    TimeProvider timeProvider,
    ILogger<LocalRestFilter> logger) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var request = http.Request;
        var path = request.Path.Value ?? "";
        var settings = faults.Current;
        if (settings.Offline)
        {
            return Refuse(http, RestOutcome.Offline, StatusCodes.Status503ServiceUnavailable, "ServiceUnavailable", "The local SignalR Service is offline.", retryAfterSeconds: settings.RetryAfterSeconds);
        }

        // REST calls carry either an access-key token (aud = the request URL) or, under Entra, the Entra token itself.
        var token = BearerToken(request);
        if (LocalSignalRKeys.LooksLikeEntraToken(token))
        {
            if (await keys.CheckEntraAsync(token) is { } refused)
            {
                return Refuse(http, RestOutcome.Unauthorized, refused.Status, refused.Status == StatusCodes.Status403Forbidden ? "Forbidden" : "Unauthorized", $"Unauthorized: {refused.Error}.");
            }
        }
        else
        {
            var (principal, error) = await validator.ValidateAsync(token, RequestUrl(http), keys.SigningKeys());
            if (principal is null)
            {
                return Refuse(http, RestOutcome.Unauthorized, StatusCodes.Status401Unauthorized, "Unauthorized", $"Unauthorized: {error}.");
            }
        }

        if (request.RouteValues["hub"] is string hub && !LocalClientAuthentication.IsHubName(hub))
        {
            return Refuse(http, RestOutcome.Rejected, StatusCodes.Status400BadRequest, "InvalidHubName", "The hub name must start with a letter, then letters, digits or '_' (at most 128).", target: "hub");
        }

        if (settings.Latency > TimeSpan.Zero)
        {
            await Task.Delay(settings.Latency, timeProvider, http.RequestAborted);
        }

        var fault = faults.DrawRestFault(http.GetEndpoint()?.Metadata.GetMetadata<LocalRestSend>() is not null);
        switch (fault)
        {
            case RestFault.TooManyRequests:
                LocalSignalRLog.FaultInjected(logger, request.Method, path, RestOutcome.Throttled);
                return Refuse(http, RestOutcome.Throttled, StatusCodes.Status429TooManyRequests, "TooManyRequests", "Too many requests (fault knob).", retryAfterSeconds: settings.RetryAfterSeconds);
            case RestFault.Error500 or RestFault.Error502 or RestFault.Error503 or RestFault.Error504:
                var status = fault switch
                {
                    RestFault.Error500 => StatusCodes.Status500InternalServerError,
                    RestFault.Error502 => StatusCodes.Status502BadGateway,
                    RestFault.Error503 => StatusCodes.Status503ServiceUnavailable,
                    _ => StatusCodes.Status504GatewayTimeout,
                };
                LocalSignalRLog.FaultInjected(logger, request.Method, path, RestOutcome.Injected(status));
                faults.CountRest(RestOutcome.Injected(status));
                return ServiceError.Result(status, "InternalServerError", $"The service failed ({status}, fault knob); nothing was done.");
        }

        var result = await next(context);
        if (fault == RestFault.FailAfterDelivery)
        {
            LocalSignalRLog.FaultInjected(logger, request.Method, path, RestOutcome.FailedAfterDelivery);
            faults.CountRest(RestOutcome.FailedAfterDelivery);
            return ServiceError.Result(StatusCodes.Status500InternalServerError, "InternalServerError", "The request timed out (fault knob: it was carried out before).");
        }

        faults.CountRest(result is IStatusCodeHttpResult { StatusCode: StatusCodes.Status400BadRequest or StatusCodes.Status413PayloadTooLarge } ? RestOutcome.Rejected : RestOutcome.Ok);
        return result;
    }

    /// <summary>The URL a REST token's <c>aud</c> must equal: scheme, host and the raw (still escaped) path, without query or trailing slash.</summary>
    internal static string RequestUrl(HttpContext http)
    {
        var raw = http.Features.Get<IHttpRequestFeature>()?.RawTarget;
        var path = string.IsNullOrEmpty(raw) || !raw.StartsWith('/') ? (http.Request.PathBase + http.Request.Path).ToUriComponent() : raw;
        var query = path.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0)
        {
            path = path[..query];
        }

        return $"{http.Request.Scheme}://{http.Request.Host.ToUriComponent()}{path}".TrimEnd('/');
    }

    private static string? BearerToken(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization["Bearer ".Length..].Trim() : null;
    }

    private IResult Refuse(HttpContext http, string outcome, int status, string code, string message, string? target = null, int? retryAfterSeconds = null)
    {
        faults.CountRest(outcome);
        if (outcome != RestOutcome.Throttled)
        {
            LocalSignalRLog.RestRefused(logger, http.Request.Method, http.Request.Path.Value ?? "", status, message);
        }

        if (retryAfterSeconds is { } seconds)
        {
            http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }

        return ServiceError.Result(status, code, message, target);
    }
}
