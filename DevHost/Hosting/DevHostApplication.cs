using System.Net;
using System.Net.Sockets;
using FunctionsDashboard.DevHost.FunctionRunners;
using FunctionsDashboard.DevHost.LocalEventGrid;
using FunctionsDashboard.DevHost.LocalSignalR;
using FunctionsDashboard.Functions;
using FunctionsDashboard.Functions.Health;
using FunctionsDashboard.Observability;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.DevHost.Hosting;

/// <summary>
/// Builds DevHost: the function app's own composition (<see cref="DashboardComposition.AddDashboard{TBuilder}"/>) on
/// Kestrel, its HTTP functions mapped at their Azure routes, plus the local stand-ins for cloud services.
/// </summary>
public static partial class DevHostApplication
{
    /// <summary>The log level of ASP.NET Core's per-request hosting category, which DevHost sets to None unless telemetry is exported.</summary>
    private const string HostingDiagnosticsLevel = "Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics";

    /// <summary>Core Tools' default port, used unless <c>PORT</c> or <c>--urls</c> says otherwise.</summary>
    public const int DefaultPort = 7071;

    /// <summary>Builds the app. <paramref name="configure"/> lets tests add settings before the services are built.</summary>
    public static WebApplication Create(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            EnvironmentName = Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") ?? Environments.Development,
            ContentRootPath = AppContext.BaseDirectory,
        });

        var root = builder.Configuration["DevHost:Root"]
            ?? LocalSettings.FindRoot(Directory.GetCurrentDirectory(), AppContext.BaseDirectory)
            ?? throw new InvalidOperationException("DevHost: cannot find the repository root (host.json + FunctionsDashboard.sln). Pass --DevHost:Root=<path>.");
        var settings = LocalSettings.Load(root, builder.Configuration["DevHost:SettingsFile"]);

        // local.settings.json Values sit below environment variables and the command line, as under Core Tools.
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = settings.Values });
        var defaults = new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Information",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
            ["Logging:LogLevel:Azure"] = "Warning",
            ["Logging:LogLevel:Polly"] = "Warning",
            ["Logging:LogLevel:System.Net.Http.HttpClient"] = "Warning",
        };
        if (!ObservabilityExtensions.IsExportConfigured(builder.Configuration))
        {
            // ASP.NET Core starts an Activity and a logging scope for every request while its hosting category logs at
            // any level; with no exporter nobody reads either (console logs show no scopes), and on negotiate they were
            // a tenth of the server's work (docs/benchmarks.md, negotiate). Exported, they stay: logs then carry the
            // request's trace id. A setting of this category (environment, local.settings.json) still wins.
            defaults[HostingDiagnosticsLevel] = "None";
        }

        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = defaults });

        if (string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
        {
            var port = int.TryParse(builder.Configuration["PORT"], out var p) ? p : DefaultPort;
            builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        }

        FollowOwnPort(builder.Configuration);

        // Ctrl-C: stop within a few seconds. Every hosted service stops at once, and Kestrel's wait for open requests is
        // bounded (SSE streams and function runs end on the stopping signal, see UseStoppingCancelsRequests).
        builder.Services.Configure<HostOptions>(o =>
        {
            o.ShutdownTimeout = builder.Configuration.GetValue("DevHost:ShutdownTimeout", DefaultShutdownTimeout);
            o.ServicesStopConcurrently = true;
        });
        // No AddProblemDetails: the worker has none either, and its writer would add members the worker's answers lack.
        builder.AddDashboard();
        builder.AddLocalEventGrid(settings.RoutePrefix);
        configure?.Invoke(builder);
        builder.AddLocalSignalRService();

        var functions = FunctionIndex.Discover(typeof(HealthFunction).Assembly);
        // Triggers disabled by AzureWebJobs.<name>.Disabled do not run (as under the Functions host).
        var triggered = functions.Where(f => !FunctionIndex.IsDisabled(f.Name, builder.Configuration)).ToList();
        var timers = TimerFunctionRunner.Parse(triggered, builder.Configuration);
        builder.Services.AddHostedService(sp => ActivatorUtilities.CreateInstance<TimerFunctionRunner>(sp, timers));
        QueueFunctionRunner.Validate(functions);
        builder.Services.AddHostedService(sp => ActivatorUtilities.CreateInstance<QueueFunctionRunner>(sp, (IReadOnlyList<FunctionDescriptor>)triggered, QueueHostSettings.From(settings)));
        var app = builder.Build();
        app.UseStoppingCancelsRequests();
        app.UseFunctions(functions, settings.RoutePrefix);
        var dashboard = string.IsNullOrEmpty(settings.RoutePrefix) ? "/dashboard/" : $"/{settings.RoutePrefix}/dashboard/";
        app.MapGet("/", () => Results.Redirect(dashboard)).ExcludeFromDescription(); // DevHost convenience: the page
        app.MapLocalEventGrid();
        app.MapLocalSignalRService();

        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("DevHost");
        Log.Settings(logger, settings.Root, settings.SettingsFile ?? "(none)", settings.RoutePrefix, functions.Count);
        return app;
    }

    /// <summary>
    /// DevHost's function pipeline: its own error answers as problem+json (500 with a correlation id only, routing's
    /// 404/405, 415; FunctionRunners/HttpFunctionEndpoints.cs), routing, and every HTTP function at its Azure route, each
    /// run under the rule the worker's middleware applies too (<see cref="Functions.Hosting.FunctionErrors"/>).
    /// </summary>
    internal static WebApplication UseFunctions(this WebApplication app, IEnumerable<FunctionDescriptor> functions, string routePrefix)
    {
        app.UseFunctionProblems();
        app.UseRouting();
        app.UseNoFunctionProblem();
        app.MapHttpFunctions(functions, routePrefix);
        return app;
    }

    /// <summary>How long DevHost's stop may take before open requests are cut (<c>DevHost:ShutdownTimeout</c>).</summary>
    public static readonly TimeSpan DefaultShutdownTimeout = TimeSpan.FromSeconds(3);

    /// <summary>
    /// On stop, the Functions host cancels the token of every running invocation. DevHost does the same: each request's
    /// <see cref="HttpContext.RequestAborted"/> (the token HTTP functions get) also fires when the app starts stopping,
    /// so an open SSE stream ends at once instead of holding Kestrel's shutdown until the timeout.
    /// </summary>
    internal static IApplicationBuilder UseStoppingCancelsRequests(this IApplicationBuilder app)
    {
        var stopping = app.ApplicationServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        return app.Use(async (context, next) =>
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
            context.RequestAborted = linked.Token;
            await next(context);
        });
    }

    /// <summary>Runs DevHost until Ctrl-C. Returns a process exit code; startup problems are printed plainly.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        try
        {
            await using var app = Create(args);
            await app.RunAsync();
            return 0;
        }
        catch (IOException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } || e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
        {
            await Console.Error.WriteLineAsync($"DevHost: the port is already in use ({e.Message}). Stop the other process or set PORT.");
            return 2;
        }
        catch (Exception e) when (e is OptionsValidationException or InvalidOperationException)
        {
            await Console.Error.WriteLineAsync($"DevHost: cannot start: {e.Message}");
            return 3;
        }
    }

    /// <summary>The path under which DevHost serves its local SignalR Service.</summary>
    public const string LocalSignalRPath = "/localsignalr";

    /// <summary>
    /// A SignalR connection string that points at DevHost's own local SignalR Service (loopback host, path
    /// <see cref="LocalSignalRPath"/>) follows DevHost's actual port, so <c>PORT=8080 ./run.sh</c> needs no other change.
    /// </summary>
    internal static void FollowOwnPort(IConfiguration configuration)
    {
        var urls = configuration[WebHostDefaults.ServerUrlsKey];
        var connectionString = configuration[SignalR.SignalROptions.ConnectionStringSetting];
        if (string.IsNullOrEmpty(urls) || string.IsNullOrEmpty(connectionString)
            || !Uri.TryCreate(urls.Split(';')[0], UriKind.Absolute, out var own) || own.Port == 0
            || !SignalR.SignalRConnectionString.TryParse(connectionString, out var parsed, out _)
            || !parsed!.Endpoint.IsLoopback || !parsed.Endpoint.AbsolutePath.TrimEnd('/').Equals(LocalSignalRPath, StringComparison.Ordinal)
            || parsed.Endpoint.Port == own.Port)
        {
            return;
        }

        configuration[SignalR.SignalROptions.ConnectionStringSetting] = connectionString.Replace(
            $":{parsed.Endpoint.Port}{LocalSignalRPath}", $":{own.Port}{LocalSignalRPath}", StringComparison.Ordinal);
    }

    /// <summary>The base address Kestrel actually bound (useful with port 0).</summary>
    public static Uri BaseAddress(this WebApplication app)
    {
        var address = app.Urls.First();
        return new Uri(address.Replace("[::]", IPAddress.Loopback.ToString(), StringComparison.Ordinal));
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 9101, EventName = "DevHostSettings", Level = LogLevel.Information,
            Message = "DevHost root {Root}, settings {SettingsFile}, route prefix '{RoutePrefix}', {FunctionCount} function(s)")]
        public static partial void Settings(ILogger logger, string root, string settingsFile, string routePrefix, int functionCount);
    }
}
