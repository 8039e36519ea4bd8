using FunctionsDashboard.Options;
using FunctionsDashboard.Relay;
using FunctionsDashboard.Storage;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.DevHost.LocalEventGrid;

/// <summary>Registers and maps DevHost's local Event Grid (topic endpoint + webhook subscription to the app).</summary>
internal static class LocalEventGridExtensions
{
    /// <summary>Base name of the dead-letter container in Azurite.</summary>
    public const string DeadLetterContainer = "eventgrid-deadletter";

    /// <summary>Adds the local Event Grid's services; <paramref name="routePrefix"/> is host.json's HTTP route prefix.</summary>
    public static WebApplicationBuilder AddLocalEventGrid(this WebApplicationBuilder builder, string routePrefix)
    {
        var services = builder.Services;
        services.AddValidatedOptions<LocalEventGridOptions, LocalEventGridOptionsValidator>(LocalEventGridOptions.SectionName);
        services.AddStorageResource(StorageResourceKind.BlobContainer, DeadLetterContainer);

        services.AddSingleton<LocalEventGridFaults>();
        services.AddSingleton<LocalEventGridStats>();
        services.AddSingleton<IDeadLetterSink, BlobDeadLetterSink>();
        services.AddSingleton(sp => new LocalEventGridTarget(
            sp.GetRequiredService<IServer>(),
            sp.GetRequiredService<IOptions<LocalEventGridOptions>>(),
            sp.GetRequiredService<IOptions<RelayOptions>>(),
            routePrefix));
        services.AddHttpClient(LocalEventGridDispatcher.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan);
        services.AddSingleton(sp => new LocalEventGridDispatcher(
            sp.GetRequiredService<IOptions<LocalEventGridOptions>>().Value,
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(LocalEventGridDispatcher.HttpClientName),
            sp.GetRequiredService<LocalEventGridTarget>().Resolve,
            sp.GetRequiredService<IDeadLetterSink>(),
            sp.GetRequiredService<LocalEventGridFaults>(),
            sp.GetRequiredService<LocalEventGridStats>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<LocalEventGridDispatcher>>()));
        services.AddHostedService(sp => sp.GetRequiredService<LocalEventGridDispatcher>());
        return builder;
    }

    /// <summary>Maps the topic endpoint and <c>GET /localeventgrid/stats</c>.</summary>
    public static IEndpointRouteBuilder MapLocalEventGrid(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost(LocalTopicEndpoint.Route, LocalTopicEndpoint.PublishAsync);
        endpoints.MapGet("/localeventgrid/stats", (LocalEventGridStats stats) => TypedResults.Ok(stats.Snapshot()));
        // The validationUrl / WebHook-Request-Callback the handshakes hand out (manual validation, as on Event Grid).
        endpoints.MapGet(LocalEventGridDispatcher.ValidationPath, Results<Ok<string>, ProblemHttpResult> (string? code, LocalEventGridDispatcher dispatcher) =>
            dispatcher.ValidateManually(code)
                ? TypedResults.Ok("Webhook successfully validated as a subscription endpoint.")
                : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown validation code", detail: "The code is unknown, already used or expired (validation URLs live 5 minutes)."));
        return endpoints;
    }
}
