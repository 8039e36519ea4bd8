using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FunctionsDashboard.DevHost.LocalSignalR;

/// <summary>
/// <c>/localsignalr/_faults</c>: <c>GET</c> shows the fault knobs and counters, <c>PUT</c> replaces the knobs (missing
/// fields take their defaults; unknown fields are an error), <c>DELETE</c> restores the configured knobs and zeroes the
/// counters. DevHost-only, loopback, unauthenticated, like the rest of DevHost's dev surface.
/// </summary>
internal static class LocalFaultsApi
{
    public const string Path = "/_faults";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public static IEndpointRouteBuilder MapLocalFaultsApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(Path, Get);
        endpoints.MapPut(Path, PutAsync);
        endpoints.MapDelete(Path, Reset);
        return endpoints;
    }

    private static Ok<FaultsState> Get(LocalSignalRFaults faults) => TypedResults.Ok(State(faults));

    private static async Task<Results<Ok<FaultsState>, ProblemHttpResult>> PutAsync(HttpRequest request, LocalSignalRFaults faults, ILogger<LocalSignalRFaults> logger, CancellationToken cancellationToken)
    {
        LocalSignalRFaultSettings? settings;
        try
        {
            settings = await JsonSerializer.DeserializeAsync<LocalSignalRFaultSettings>(request.Body, Json, cancellationToken);
        }
        catch (JsonException e)
        {
            return Invalid($"The body is not a valid fault-knob object: {e.Message}");
        }

        if (settings is null)
        {
            return Invalid("The body must be a JSON object.");
        }

        try
        {
            faults.Set(settings);
        }
        catch (ArgumentException e)
        {
            return Invalid(e.Message);
        }

        LocalSignalRLog.FaultsChanged(logger, settings);
        return TypedResults.Ok(State(faults));
    }

    private static Ok<FaultsState> Reset(LocalSignalRFaults faults, ILogger<LocalSignalRFaults> logger)
    {
        faults.Reset();
        LocalSignalRLog.FaultsChanged(logger, faults.Current);
        return TypedResults.Ok(State(faults));
    }

    private static FaultsState State(LocalSignalRFaults faults) => new(faults.Current, faults.Counters);

    private static ProblemHttpResult Invalid(string detail) =>
        TypedResults.Problem(title: "Invalid fault knobs", detail: detail, statusCode: StatusCodes.Status400BadRequest);

    /// <summary>The answer of every <c>_faults</c> call.</summary>
    internal sealed record FaultsState(LocalSignalRFaultSettings Faults, LocalSignalRCounters Counters);
}
