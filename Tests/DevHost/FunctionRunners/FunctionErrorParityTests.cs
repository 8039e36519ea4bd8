using System.Text.Json;
using System.Text.Json.Nodes;
using FunctionsDashboard.DevHost.FunctionRunners;
using FunctionsDashboard.DevHost.Hosting;
using FunctionsDashboard.Functions;
using FunctionsDashboard.Functions.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FunctionsDashboard.Tests.DevHost.FunctionRunners;

/// <summary>
/// Issue #16 item 5: the hosts cannot drift. Each outcome of an HTTP function (a value, a problem, a bare error status,
/// an exception before and after the response started, the caller leaving) is answered by DevHost's own function
/// pipeline over real HTTP, and by the worker's side: <see cref="FunctionErrors.RunAsync{TState}"/> (all that
/// <c>ProblemDetailsMiddleware</c> runs) with the result executed as the worker's ASP.NET Core integration executes it,
/// against the services of the app's composition. Status, content type and body must be the same.
/// </summary>
public sealed class FunctionErrorParityTests
{
    public static TheoryData<string> Outcomes() => new(ParityFunctions.Routes);

    [Theory]
    [MemberData(nameof(Outcomes))]
    public async Task DevHostAnswers_AsTheWorkerMiddlewareDoes(string route)
    {
        await using var devHost = await StartDevHostPipelineAsync();
        using var client = new HttpClient { BaseAddress = devHost.BaseAddress() };
        using var devHostResponse = await client.GetAsync($"/api/parity/{route}");
        var devHostBody = await devHostResponse.Content.ReadAsStringAsync();

        var worker = await RunAsTheWorkerAsync(route);

        Assert.Equal(worker.Status, (int)devHostResponse.StatusCode);
        Assert.Equal(worker.ContentType, devHostResponse.Content.Headers.ContentType?.ToString());
        Assert.Equal(Normalized(worker.Body), Normalized(devHostBody));
        Assert.DoesNotContain(ParityFunctions.Secret, devHostBody, StringComparison.Ordinal);
        if (route is "throws" or "throws-async")
        {
            Assert.Equal(500, worker.Status);
            Assert.Equal("application/problem+json", devHostResponse.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task ExceptionAfterTheResponseStarted_GoesToTheHost_InBoth()
    {
        await using var devHost = await StartDevHostPipelineAsync();
        using var client = new HttpClient { BaseAddress = devHost.BaseAddress() };

        // DevHost: the run failed mid-answer, the connection is cut (no problem can follow a started body).
        await Assert.ThrowsAnyAsync<HttpRequestException>(async () =>
        {
            using var response = await client.GetAsync("/api/parity/throws-after-start");
            await response.Content.ReadAsStringAsync();
        });

        // Worker: the exception leaves the middleware for the host, which records a failed run.
        await Assert.ThrowsAsync<InvalidOperationException>(() => RunAsTheWorkerAsync("throws-after-start"));
    }

    [Fact]
    public async Task CallerGone_IsNeitherAnsweredNorLogged()
    {
        using var aborted = new CancellationTokenSource();
        await aborted.CancelAsync();
        var http = new DefaultHttpContext { RequestAborted = aborted.Token };
        var logger = new ListLogger();

        var outcome = await FunctionErrors.RunAsync<object?>(http, "Parity", "inv-1", logger, null, _ => throw new OperationCanceledException(aborted.Token));

        Assert.True(outcome.IsAnswered);
        Assert.Equal(200, http.Response.StatusCode);
        Assert.Empty(logger.Entries);
    }

    [Fact]
    public async Task Exception_IsLoggedUnderTheCorrelationIdItAnswers()
    {
        var http = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider() };
        http.Response.Body = new MemoryStream();
        var logger = new ListLogger();

        var outcome = await FunctionErrors.RunAsync<object?>(http, "Parity", "inv-42", logger, null, _ => throw new InvalidOperationException(ParityFunctions.Secret));

        Assert.True(outcome.IsAnswered);
        Assert.Equal(500, http.Response.StatusCode);
        http.Response.Body.Position = 0;
        var problem = JsonNode.Parse(http.Response.Body)!;
        var entry = Assert.Single(logger.Entries);
        Assert.Equal(2001, entry.EventId.Id);
        Assert.Contains((string)problem[Problems.CorrelationIdMember]!, entry.Message, StringComparison.Ordinal);
        Assert.IsType<InvalidOperationException>(entry.Exception);
    }

    private static async Task<WebApplication> StartDevHostPipelineAsync()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Development });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.UseFunctions(FunctionIndex.Discover(typeof(ParityFunctions).Assembly), "api");
        await app.StartAsync();
        return app;
    }

    private static async Task<(int Status, string? ContentType, string Body)> RunAsTheWorkerAsync(string route)
    {
        // The worker's request services: the app's own composition (what Functions/Program.cs adds before the worker's).
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.AddDashboard();
        using var host = builder.Build();
        var http = new DefaultHttpContext { RequestServices = host.Services };
        http.Request.Method = "GET";
        http.Request.Path = $"/api/parity/{route}";
        var body = new MemoryStream();
        http.Features.Set<Microsoft.AspNetCore.Http.Features.IHttpResponseFeature>(new WorkerResponseFeature(body));
        http.Response.Body = body;

        var outcome = await FunctionErrors.RunAsync(http, "Parity", "inv-1", NullLogger.Instance, (route, http), static s => ParityFunctions.Invoke(s.route, s.http));
        if (!outcome.IsAnswered && outcome.Result is IResult result)
        {
            await result.ExecuteAsync(http); // the worker's ASP.NET Core integration executes an IResult return value
        }

        return (http.Response.StatusCode, http.Response.ContentType, System.Text.Encoding.UTF8.GetString(body.ToArray()));
    }

    /// <summary>Ids differ per run (correlation id = trace id or the host's own request id); everything else must not.</summary>
    private static string Normalized(string body)
    {
        if (body.Length == 0 || body[0] != '{')
        {
            return body;
        }

        var json = JsonNode.Parse(body)!.AsObject();
        if (json[Problems.CorrelationIdMember] is JsonValue id)
        {
            var text = (string)id!;
            json[Problems.CorrelationIdMember] = "<id>";
            json["detail"] = ((string?)json["detail"])?.Replace(text, "<id>", StringComparison.Ordinal);
        }

        return json.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
    }

    /// <summary>As on a real connection, the response has started once its first byte is written.</summary>
    private sealed class WorkerResponseFeature(MemoryStream body) : Microsoft.AspNetCore.Http.Features.HttpResponseFeature
    {
        public override bool HasStarted => body.Length > 0;
    }

    private sealed class ListLogger : ILogger
    {
        public List<(EventId EventId, string Message, Exception? Exception)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((eventId, formatter(state, exception), exception));
    }
}

/// <summary>One HTTP function per outcome, discovered by DevHost's function index like the app's own.</summary>
public sealed class ParityFunctions
{
    /// <summary>Text that must never reach an answer.</summary>
    public const string Secret = "secret-key-material /home/app/keys";

    /// <summary>The outcomes both hosts are held to.</summary>
    public static readonly string[] Routes = ["ok", "problem", "bare-415", "not-found", "not-found-with-body", "no-content", "throws", "throws-async"];

    /// <summary>The functions' bodies, also called directly on the worker's side.</summary>
    public static async ValueTask<object?> Invoke(string route, HttpContext http)
    {
        switch (route)
        {
            case "ok": return TypedResults.Ok(new { stream = "s", seq = 7 });
            case "problem": return TypedResults.Problem(title: "Conflict here", statusCode: 409, detail: "d");
            case "bare-415": return TypedResults.StatusCode(415);
            case "not-found": return TypedResults.NotFound();
            case "not-found-with-body": return TypedResults.NotFound(new { missing = "x" });
            case "no-content": return TypedResults.NoContent();
            case "throws": throw new InvalidOperationException(Secret);
            case "throws-async":
                await Task.Yield();
                throw new InvalidOperationException(Secret);
            case "throws-after-start":
                http.Response.ContentType = "text/plain";
                await http.Response.WriteAsync("partial");
                await http.Response.Body.FlushAsync();
                throw new InvalidOperationException(Secret);
            default: throw new ArgumentOutOfRangeException(nameof(route));
        }
    }

    /// <summary>Every outcome at <c>api/parity/{outcome}</c>.</summary>
    [Function("Parity")]
    public async Task<IResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "parity/{outcome}")] HttpRequest request, string outcome) =>
        await Invoke(outcome, request.HttpContext) as IResult ?? TypedResults.Empty;
}
