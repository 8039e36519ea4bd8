using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using FunctionsDashboard.Functions.Hosting;
using FunctionsDashboard.Hardening;

namespace FunctionsDashboard.DevHost.FunctionRunners;

/// <summary>Maps every HTTP-triggered function at its Azure route and verbs.</summary>
internal static partial class HttpFunctionEndpoints
{
    /// <summary>Problem type of DevHost's 404 when no function has the route.</summary>
    public const string NoFunctionProblemType = "urn:functionsdashboard:devhost:no-function";

    private const string LoggerCategory = "DevHost.Functions";

    public static IEndpointRouteBuilder MapHttpFunctions(this IEndpointRouteBuilder endpoints, IEnumerable<FunctionDescriptor> functions, string routePrefix)
    {
        var logger = endpoints.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(LoggerCategory);
        foreach (var function in functions.Where(f => f.Kind == TriggerKind.Http))
        {
            FunctionInvoker.Validate(function, CanBind);
            var route = function.HttpTrigger.Route ?? function.Name;
            var pattern = string.IsNullOrEmpty(routePrefix) ? route : $"{routePrefix}/{route}";
            var methods = function.HttpTrigger.Methods is { Length: > 0 } m
                ? m.Select(v => v.ToUpperInvariant()).ToArray()
                : ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];
            endpoints.MapMethods(pattern, methods, context => InvokeAsync(function, context, logger))
                .WithName(function.Name)
                .WithMetadata(function);
        }

        return endpoints;
    }

    /// <summary>
    /// Before routing: every error answer DevHost itself makes (outside a function) is the same <c>application/problem+json</c>
    /// the app's functions make (<see cref="Problems"/>): an exception nobody caught is a 500 with a correlation id (logged
    /// under it, never its text in the body), and a bare error status of DevHost's own (routing's 405, a 415) gets the
    /// problem of its status whatever the request's <c>Accept</c> says. A function's own answer goes by
    /// <see cref="FunctionErrors"/>, as under the Functions host.
    /// </summary>
    public static IApplicationBuilder UseFunctionProblems(this IApplicationBuilder app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandler = context =>
            {
                var exception = context.Features.Get<Microsoft.AspNetCore.Diagnostics.IExceptionHandlerFeature>()?.Error;
                var correlationId = Problems.CorrelationId(context.TraceIdentifier);
                Log.RequestFailed(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(LoggerCategory), correlationId, exception);
                return Problems.Unhandled(correlationId).ExecuteAsync(context);
            },
        });
        app.UseStatusCodePages(context => Problems.WriteStatusProblemAsync(context.HttpContext));
        return app;
    }

    /// <summary>
    /// After routing: a request no endpoint matched gets a 404 problem that says so (a wrong verb on a known route
    /// still gets routing's 405).
    /// </summary>
    public static IApplicationBuilder UseNoFunctionProblem(this IApplicationBuilder app) =>
        app.Use((context, next) => context.GetEndpoint() is not null
            ? next(context)
            : TypedResults.Problem(
                type: NoFunctionProblemType,
                title: "No function here",
                detail: $"No function of this app is mapped at {LogValue.Bounded(context.Request.Method, 32)} {LogValue.Bounded(context.Request.Path.Value, 256)}.",
                statusCode: StatusCodes.Status404NotFound).ExecuteAsync(context));

    private static bool CanBind(ParameterInfo parameter) =>
        parameter.ParameterType == typeof(HttpRequest)
        || parameter.ParameterType == typeof(HttpContext)
        || parameter.ParameterType == typeof(CancellationToken)
        || TypeDescriptor.GetConverter(parameter.ParameterType).CanConvertFrom(typeof(string));

    private static object? Bind(ParameterInfo parameter, HttpContext context)
    {
        if (parameter.ParameterType == typeof(HttpRequest))
        {
            return context.Request;
        }

        if (parameter.ParameterType == typeof(HttpContext))
        {
            return context;
        }

        if (parameter.ParameterType == typeof(CancellationToken))
        {
            return context.RequestAborted;
        }

        // Route values bind by name, as the Functions host binds them.
        return context.Request.RouteValues.TryGetValue(parameter.Name!, out var value) && value is not null
            ? TypeDescriptor.GetConverter(parameter.ParameterType).ConvertFromInvariantString(Convert.ToString(value, CultureInfo.InvariantCulture)!)
            : parameter.HasDefaultValue ? parameter.DefaultValue : null;
    }

    private static async Task InvokeAsync(FunctionDescriptor function, HttpContext context, ILogger logger)
    {
        // The function's answer is the function's, as under the Functions host: status-code pages (UseFunctionProblems)
        // are for DevHost's own answers (routing's 405, 415), and a function's bare status results become problems by
        // the rule both hosts share (FunctionErrors).
        if (context.Features.Get<Microsoft.AspNetCore.Diagnostics.IStatusCodePagesFeature>() is { } statusCodePages)
        {
            statusCodePages.Enabled = false;
        }

        var outcome = await FunctionErrors.RunAsync(context, function.Name, context.TraceIdentifier, logger, (function, context), static s =>
            new ValueTask<object?>(FunctionInvoker.InvokeAsync(s.function, s.context.RequestServices, s.context, static (p, c) => Bind(p, c))));
        if (!outcome.IsAnswered && outcome.Result is IResult result)
        {
            await result.ExecuteAsync(context);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 9002, EventName = "DevHostRequestFailed", Level = LogLevel.Error, Message = "Request failed outside a function; correlation id {CorrelationId}")]
        public static partial void RequestFailed(ILogger logger, string correlationId, Exception? exception);
    }
}
