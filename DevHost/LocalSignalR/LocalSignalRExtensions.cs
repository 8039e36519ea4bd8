using FunctionsDashboard.DevHost.Hosting;
using FunctionsDashboard.Options;
using FunctionsDashboard.SignalR;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.DevHost.LocalSignalR;

/// <summary>
/// DevHost's local SignalR Service (serverless subset), mounted under <see cref="DevHostApplication.LocalSignalRPath"/>
/// of DevHost's own Kestrel. The app reaches it exactly as it reaches the real Service, through
/// <c>AzureSignalRConnectionString</c>; see docs/local-signalr.md.
/// </summary>
internal static class LocalSignalRExtensions
{
    /// <summary>
    /// Registers the local Service when <c>LocalSignalR:Enabled</c> is true, or when it is unset and the connection
    /// string's endpoint is DevHost's own loopback <c>/localsignalr</c>.
    /// </summary>
    public static WebApplicationBuilder AddLocalSignalRService(this WebApplicationBuilder builder)
    {
        if (!IsEnabled(builder.Configuration))
        {
            return builder;
        }

        var services = builder.Services;
        services.AddValidatedOptions<LocalSignalROptions, LocalSignalROptionsValidator>(LocalSignalROptions.SectionName)
            .WithCrossFieldValidator<LocalSignalROptions, LocalSignalROptionsCrossFieldValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<LocalSignalRFaults>();
        services.TryAddSingleton<LocalHubStore>();
        services.TryAddSingleton<LocalUpstreamCaller>();
        services.TryAddSingleton<LocalClientConnectionHandler>();
        services.TryAddSingleton<SignalRTokenValidator>();
        services.TryAddSingleton<LocalSignalRKeys>();
        services.AddConnections();
        return builder;
    }

    /// <summary>Maps the client endpoints, the REST API and <c>_faults</c> (nothing when the local Service is off).</summary>
    public static WebApplication MapLocalSignalRService(this WebApplication app)
    {
        if (app.Services.GetService<LocalHubStore>() is null)
        {
            return app;
        }

        const string root = DevHostApplication.LocalSignalRPath;

        // Negotiate (/client/negotiate) and the transports (/client), each guarded by the token check.
        app.MapConnectionHandler<LocalClientConnectionHandler>(root + "/client", options =>
            {
                options.Transports = HttpTransportType.WebSockets | HttpTransportType.ServerSentEvents | HttpTransportType.LongPolling;
                options.CloseOnAuthenticationExpiration = false;
            })
            .Add(endpoint => endpoint.RequestDelegate = LocalClientAuthentication.Guard(endpoint.RequestDelegate!));

        var group = app.MapGroup(root);
        group.MapLocalRestApi();
        group.MapLocalFaultsApi();
        group.MapGet("/api/v1/auth/accessKey", IssueAccessKeyAsync);

        var signalR = app.Services.GetRequiredService<IOptions<SignalROptions>>().Value;
        var upstream = app.Services.GetRequiredService<LocalUpstreamCaller>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(LocalSignalRExtensions).FullName!);
        app.Lifetime.ApplicationStarted.Register(() =>
            LocalSignalRLog.Started(logger, signalR.Connection.Endpoint.AbsoluteUri, SafeUrl(upstream.UpstreamTemplate)));
        return app;
    }

    /// <summary>
    /// <c>GET /api/v1/auth/accessKey</c> with a Microsoft Entra bearer token (what Microsoft.Azure.SignalR's
    /// MicrosoftEntraAccessKey calls): 200 <c>{"KeyId","AccessKey"}</c>, a fresh key that signs client tokens for 120 min;
    /// 401 without a valid Entra token, 403 without the App Server role. Works with local auth disabled.
    /// </summary>
    private static async Task<IResult> IssueAccessKeyAsync(HttpContext context, LocalSignalRKeys keys, LocalSignalRFaults faults)
    {
        if (faults.Current.Offline)
        {
            return ServiceError.Result(StatusCodes.Status503ServiceUnavailable, "ServiceUnavailable", "The local SignalR Service is offline.");
        }

        var authorization = context.Request.Headers.Authorization.ToString();
        var token = authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization["Bearer ".Length..].Trim() : null;
        if (await keys.CheckEntraAsync(token) is { } refused)
        {
            return ServiceError.Result(refused.Status, refused.Status == StatusCodes.Status403Forbidden ? "Forbidden" : "Unauthorized", $"Unauthorized: {refused.Error}.");
        }

        var (keyId, accessKey) = keys.Issue();
        return TypedResults.Json(new Dictionary<string, string> { ["KeyId"] = keyId, ["AccessKey"] = accessKey });
    }

    /// <summary>Whether DevHost should host the local Service (see <see cref="AddLocalSignalRService"/>).</summary>
    internal static bool IsEnabled(IConfiguration configuration)
    {
        if (bool.TryParse(configuration[$"{LocalSignalROptions.SectionName}:{nameof(LocalSignalROptions.Enabled)}"], out var enabled))
        {
            return enabled;
        }

        if (!SignalRConnectionString.TryParse(configuration[SignalROptions.ConnectionStringSetting], out var parsed, out _))
        {
            return false;
        }

        var endpoint = parsed!.Endpoint;
        if (!endpoint.IsLoopback || !endpoint.AbsolutePath.TrimEnd('/').Equals(DevHostApplication.LocalSignalRPath, StringComparison.Ordinal))
        {
            return false;
        }

        // DevHost's own port (FollowOwnPort already aligned a sample connection string with it).
        var urls = configuration[WebHostDefaults.ServerUrlsKey];
        return string.IsNullOrEmpty(urls)
            || !Uri.TryCreate(urls.Split(';')[0], UriKind.Absolute, out var own)
            || own.Port == 0
            || own.Port == endpoint.Port;
    }

    private static string SafeUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.GetLeftPart(UriPartial.Path) : "(invalid)";
}
