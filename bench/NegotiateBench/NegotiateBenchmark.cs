using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using FunctionsDashboard.Access;
using FunctionsDashboard.Connections;
using FunctionsDashboard.DevHost.FunctionRunners;
using FunctionsDashboard.Functions.Access;
using FunctionsDashboard.DevHost.Hosting;
using FunctionsDashboard.Functions.Connections;
using FunctionsDashboard.Functions.Hosting;
using FunctionsDashboard.Health;
using FunctionsDashboard.SignalR;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.NegotiateBench;

/// <summary>
/// <c>POST /api/negotiate</c> on DevHost (the real function class, Azurite behind it) against a bare Kestrel POST that
/// answers a constant body of the same shape, and a Kestrel POST that only mints the client token, all in one process
/// and one run with the same closed-loop client; then a single-threaded breakdown of negotiate's steps.
/// </summary>
internal static class NegotiateBenchmark
{
    private const string Hub = "dashboard";

    public static async Task<int> RunAsync(BenchSettings settings)
    {
        var root = FindRoot();
        await using var azurite = await LocalAzurite.StartAsync(root);
        var devHostPort = LocalAzurite.FreePort();
        await using var devHost = DevHostApplication.Create(
            ["--urls", $"http://127.0.0.1:{devHostPort}", "--DevHost:Root", root, "--DevHost:SettingsFile", "local.settings.sample.json"],
            builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["AzureWebJobsStorage"] = azurite.ConnectionString,
                ["AzureSignalRConnectionString"] = $"Endpoint=http://127.0.0.1:{devHostPort}/localsignalr;AccessKey=ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH;Version=1.0;",
                ["Logging:LogLevel:Default"] = "Warning",
            }));
        await devHost.StartAsync();
        await devHost.Services.GetRequiredService<Readiness>().WhenReady.WaitAsync(TimeSpan.FromSeconds(60));
        var tokens = devHost.Services.GetRequiredService<SignalRTokenService>();

        var barePort = LocalAzurite.FreePort();
        var bareBuilder = WebApplication.CreateSlimBuilder();
        bareBuilder.Logging.ClearProviders();
        bareBuilder.WebHost.UseUrls($"http://127.0.0.1:{barePort}");
        await using var bare = bareBuilder.Build();
        var constant = new NegotiateResponse(tokens.ClientUrl(Hub), tokens.CreateClientToken(Hub, "anonymous-000000000000"), $"http://127.0.0.1:{barePort}/api/events");
        bare.MapPost("/bare", () => TypedResults.Ok(constant));
        bare.MapPost("/mint", () => TypedResults.Ok(new NegotiateResponse(tokens.ClientUrl(Hub), tokens.CreateClientToken(Hub, "anonymous-" + Guid.NewGuid().ToString("N")[..12]), constant.SseUrl)));
        await bare.StartAsync();

        var breakdown = settings.Only is null ? Breakdown(devHost.Services, tokens) : [];

        // No cookie jar: negotiate's Set-Cookie would otherwise be parsed and stored by the load generator on every
        // answer, on the same two cores, and charged to negotiate (a browser does that in its own process).
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = settings.Concurrency, UseProxy = false, UseCookies = false }) { Timeout = TimeSpan.FromSeconds(30) };
        var targets = new (string Name, Uri Url)[]
        {
            ("bare Kestrel POST (constant body)", new Uri($"http://127.0.0.1:{barePort}/bare")),
            ("negotiate on DevHost", new Uri($"http://127.0.0.1:{devHostPort}/api/negotiate")),
            ("Kestrel POST minting a token", new Uri($"http://127.0.0.1:{barePort}/mint")),
        };
        var window = TimeSpan.FromSeconds(settings.Seconds);
        if (settings.Only is { } only)
        {
            // One target alone (for a profiler attached to this process): its name's first word.
            var (name, url) = targets.Single(t => t.Name.StartsWith(only, StringComparison.OrdinalIgnoreCase) || t.Name.Contains(" " + only, StringComparison.OrdinalIgnoreCase));
            Console.Error.WriteLine($"pid {Environment.ProcessId}: {name} alone for {settings.Rounds} × {settings.Seconds} s");
            for (var round = 0; round < settings.Rounds; round++)
            {
                var result = await ClosedLoop.RequestsPerSecondAsync(client, url, settings.Concurrency, window);
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {result.Rate:F0}/s, {result.CpuMicrosecondsPerRequest:F1} CPU µs/request, {result.BytesPerRequest:F0} B/request, {result.Gen0PerThousand:F2} gen-0 GCs per 1,000, GC paused {result.GcPauseMsPerSecond:F0} ms/s"));
            }

            return 0;
        }

        var results = targets.ToDictionary(t => t.Name, _ => new List<LoopResult>());
        for (var round = 0; round < settings.Rounds; round++)
        {
            foreach (var (name, url) in targets)
            {
                results[name].Add(await ClosedLoop.RequestsPerSecondAsync(client, url, settings.Concurrency, window));
            }

            var line = string.Join(", ", targets.Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.Name} {results[t.Name][^1].Rate:F0}/s")));
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round + 1}: {line}"));
        }

        var report = Report(settings, targets.Select(t => t.Name).ToList(), results, breakdown);
        Console.WriteLine(report);
        if (settings.Out is { } path)
        {
            await File.WriteAllTextAsync(path, report);
        }

        await bare.StopAsync();
        await devHost.StopAsync();
        return 0;
    }

    private static List<(string Step, double NsPerOp, double BytesPerOp)> Breakdown(IServiceProvider services, SignalRTokenService tokens)
    {
        var negotiator = services.GetRequiredService<Negotiator>();
        var response = negotiator.Negotiate(null, "http://127.0.0.1/api/events").Response!;
        return
        [
            Measure("SignalRTokenService.CreateClientToken", () => tokens.CreateClientToken(Hub, "anonymous-0123456789ab")),
            Measure("Negotiator.Negotiate (token + user id)", () => negotiator.Negotiate(null, "http://127.0.0.1/api/events")),
            Measure("NegotiateFunction from DI (ActivatorUtilities, per call)", () =>
            {
                using var scope = services.CreateScope();
                return ActivatorUtilities.CreateInstance(scope.ServiceProvider, typeof(NegotiateFunction));
            }),
            Measure("JSON of the response", () => JsonSerializer.SerializeToUtf8Bytes(response, JsonSerializerOptions.Web)),
            Measure("IConfiguration lookup (WEBSITE_AUTH_ENABLED)", () => services.GetRequiredService<IConfiguration>()["WEBSITE_AUTH_ENABLED"] ?? ""),
            Measure("ILoggerFactory.CreateLogger (per request)", () => services.GetRequiredService<ILoggerFactory>().CreateLogger("DevHost.Functions")),
            .. AccessSteps(services),
            Measure("NegotiateFunction.Run, direct call", () =>
            {
                using var scope = services.CreateScope();
                var function = scope.ServiceProvider.GetRequiredService<Negotiator>() is { } ? ActivatorUtilities.CreateInstance<NegotiateFunction>(scope.ServiceProvider) : null;
                return function!.Run(Request(scope.ServiceProvider).Request, CancellationToken.None).GetAwaiter().GetResult();
            }),
            Measure("FunctionInvoker.InvokeAsync (DevHost: DI + reflection)", () =>
            {
                using var scope = services.CreateScope();
                var context = Request(scope.ServiceProvider);
                return FunctionInvoker.InvokeAsync(Negotiate, scope.ServiceProvider, p => p.ParameterType == typeof(HttpRequest) ? context.Request : null).GetAwaiter().GetResult()!;
            }),
            Measure("IResult.ExecuteAsync (JSON written to the response)", () =>
            {
                var context = Request(services);
                context.Response.Body = Stream.Null;
                TypedResults.Ok(response).ExecuteAsync(context).GetAwaiter().GetResult();
                return context;
            }),
        ];
    }

    /// <summary>The steps of NegotiateFunction.Run after the token: the access rule, the subscription, its group, the stream token and its cookie.</summary>
    private static List<(string, double, double)> AccessSteps(IServiceProvider services)
    {
        var access = services.GetRequiredService<StreamAccess>();
        var groups = services.GetRequiredService<SubscriptionGroups>();
        var streamTokens = services.GetRequiredService<StreamTokens>();
        var max = services.GetRequiredService<IOptions<AccessOptions>>().Value.MaxStreamsPerRequest;
        var request = Request(services).Request;
        var decision = access.DecideAsync(request.Credentials(), CancellationToken.None).GetAwaiter().GetResult();
        return
        [
            Measure("request.Credentials() (headers, query, cookies)", () => Request(services).Request.Credentials()),
            Measure("  of which: a DefaultHttpContext for the step (bench only)", () => Request(services)),
            Measure("StreamAccess.DecideAsync (anonymous)", () => access.DecideAsync(AccessRequest.None, CancellationToken.None).GetAwaiter().GetResult()),
            Measure("StreamSelection.Parse (no ?stream=)", () => StreamSelection.Parse(request.Query["stream"], max)),
            Measure("StreamSet.Intersect (all ∩ readable)", () => StreamSet.All.Intersect(decision.Readable)),
            Measure("SubscriptionGroups.EnsureAsync (known group)", () => groups.EnsureAsync(decision.Readable, CancellationToken.None).GetAwaiter().GetResult()),
            Measure("StreamTokens.Mint (stream token)", () => streamTokens.Mint(decision.Identity, decision.Readable)),
            Measure("CorsPolicy.Evaluate + OwnOrigin (no Origin)", () => CorsPolicy.Evaluate(null, request.OwnOrigin(), [])),
            Measure("request.SiblingUrl(\"events\")", () => request.SiblingUrl("events")),
            Measure("Stream-token cookie by Cookies.Append (before)", () =>
            {
                var context = Request(services);
                context.Response.Cookies.Append(StreamTokens.CookieName, "token", new CookieOptions { HttpOnly = true, Secure = false, SameSite = SameSiteMode.Lax, Path = new Uri("http://127.0.0.1:7071/api/events").AbsolutePath, MaxAge = TimeSpan.FromMinutes(10) });
                return context;
            }),
            Measure("Stream-token cookie by AccessHttp.AppendStreamTokenCookie", () =>
            {
                var context = Request(services);
                AccessHttp.AppendStreamTokenCookie(context.Response, "token", "http://127.0.0.1:7071/api/events", false, TimeSpan.FromMinutes(10));
                return context;
            }),
        ];
    }

    private static readonly FunctionDescriptor Negotiate = FunctionIndex.Discover(typeof(NegotiateFunction).Assembly).Single(f => f.Name == "Negotiate");

    private static DefaultHttpContext Request(IServiceProvider services)
    {
        var context = new DefaultHttpContext { RequestServices = services };
        context.Request.Method = "POST";
        context.Request.Scheme = "http";
        context.Request.Host = new HostString("127.0.0.1", 7071);
        context.Request.Path = "/api/negotiate";
        return context;
    }

    private static (string, double, double) Measure(string step, Func<object> action)
    {
        const int warmup = 2_000, iterations = 20_000;
        for (var i = 0; i < warmup; i++)
        {
            action();
        }

        // The fastest of five passes: the machine is shared, and the minimum is the step's own cost.
        var best = double.MaxValue;
        var bytesPerCall = 0d;
        for (var pass = 0; pass < 5; pass++)
        {
            var bytes = GC.GetAllocatedBytesForCurrentThread();
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < iterations; i++)
            {
                action();
            }

            best = Math.Min(best, clock.Elapsed.TotalNanoseconds / iterations);
            bytesPerCall = (GC.GetAllocatedBytesForCurrentThread() - bytes) / (double)iterations;
        }

        return (step, best, bytesPerCall);
    }

    private static string Report(BenchSettings settings, List<string> names, Dictionary<string, List<LoopResult>> results, List<(string Step, double NsPerOp, double BytesPerOp)> breakdown)
    {
        var bare = results[names[0]].Select(r => r.Rate).ToList();
        var bareCpu = Median(results[names[0]].Select(r => r.CpuMicrosecondsPerRequest).ToList());
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"# Negotiate vs. a bare Kestrel POST ({settings.Rounds} rounds × {settings.Seconds} s per target, {settings.Concurrency} concurrent requests, {Environment.ProcessorCount} cores, one process)");
        text.AppendLine();
        text.AppendLine("| Target | " + string.Join(" | ", Enumerable.Range(1, settings.Rounds).Select(r => $"round {r} req/s")) + " | median req/s | median share of bare (same round) | CPU µs per request (process) | bare's CPU ÷ this CPU | bytes allocated per request (process) | gen-0 GCs per 1,000 requests |");
        text.AppendLine("|---|" + string.Concat(Enumerable.Repeat("---|", settings.Rounds)) + "---|---|---|---|---|---|");
        foreach (var name in settings.Rounds > 0 ? names : [])
        {
            var rates = results[name].Select(r => r.Rate).ToList();
            var shares = rates.Select((r, i) => r / bare[i]).ToList();
            var bytes = Median(results[name].Select(r => r.BytesPerRequest).ToList());
            var gen0 = Median(results[name].Select(r => r.Gen0PerThousand).ToList());
            var cpu = Median(results[name].Select(r => r.CpuMicrosecondsPerRequest).ToList());
            text.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {string.Join(" | ", rates.Select(r => r.ToString("F0", CultureInfo.InvariantCulture)))} | {Median(rates):F0} | {Median(shares):P0} | {cpu:F1} | {bareCpu / cpu:P0} | {bytes:F0} | {gen0:F2} |");
        }

        text.AppendLine();
        text.AppendLine("Breakdown (one thread, fastest of 5 passes of 20,000 calls each, after warm-up):");
        text.AppendLine();
        text.AppendLine("| Step | µs per call | bytes allocated per call |");
        text.AppendLine("|---|---|---|");
        foreach (var (step, ns, bytes) in breakdown)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {step} | {ns / 1000:F2} | {bytes:F0} |");
        }

        return text.ToString();
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FunctionsDashboard.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Cannot find the repository root (FunctionsDashboard.sln) from " + AppContext.BaseDirectory);
    }
}
