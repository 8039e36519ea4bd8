using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FunctionsDashboard.Tests.DevHost.LocalSignalR;

/// <summary>One upstream call as the app would receive it.</summary>
public sealed record RecordedUpstream(IReadOnlyDictionary<string, string> Headers, string ContentType, string Body)
{
    public string ConnectionId => Headers.GetValueOrDefault("X-ASRS-Connection-Id", "");

    public string Event => Headers.GetValueOrDefault("X-ASRS-Event", "");

    public string Category => Headers.GetValueOrDefault("X-ASRS-Category", "");
}

/// <summary>
/// A stand-in for the app's upstream function: a second minimal Kestrel app on a free loopback port that records every
/// POST and answers as <see cref="Reply"/> says (default 200, empty). It also serves <c>POST /api/negotiate</c> as the
/// app's negotiate will (<see cref="Negotiate"/>), for the JavaScript client test. Tests wait on real signals.
/// </summary>
public sealed class UpstreamRecorder : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Lock _gate = new();
    private readonly List<RecordedUpstream> _calls = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private UpstreamRecorder(WebApplication app) => _app = app;

    /// <summary>How to answer a call: status and body (null: empty). Default 200, empty.</summary>
    public Func<RecordedUpstream, (int Status, string? Body)> Reply { get; set; } = _ => (200, null);

    /// <summary>The negotiate answer: <c>{url, accessToken}</c>.</summary>
    public Func<(string Url, string AccessToken)>? Negotiate { get; set; }

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The upstream URL to give the local Service.</summary>
    public string UpstreamUrl => new Uri(BaseAddress, "/upstream").AbsoluteUri;

    public IReadOnlyList<RecordedUpstream> Calls
    {
        get
        {
            lock (_gate)
            {
                return [.. _calls];
            }
        }
    }

    public static async Task<UpstreamRecorder> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var recorder = new UpstreamRecorder(app);
        app.MapPost("/upstream", recorder.RecordAsync);
        app.MapPost("/api/negotiate", () => recorder.Negotiate is { } negotiate
            ? Results.Json(new { url = negotiate().Url, accessToken = negotiate().AccessToken })
            : Results.NotFound());
        await app.StartAsync();
        recorder.BaseAddress = new Uri(app.Urls.First());
        return recorder;
    }

    /// <summary>Waits (bounded) for a call matching <paramref name="match"/>, among past and future calls.</summary>
    public async Task<RecordedUpstream> WaitForAsync(Func<RecordedUpstream, bool> match, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_calls.FirstOrDefault(match) is { } call)
                {
                    return call;
                }

                changed = _changed.Task;
            }

            try
            {
                await changed.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"No matching upstream call; got: {string.Join("; ", Calls.Select(c => $"{c.Category}/{c.Event} {c.ConnectionId}"))}");
            }
        }
    }

    /// <summary>Waits for the <paramref name="eventName"/> call of <paramref name="connectionId"/>.</summary>
    public Task<RecordedUpstream> WaitForAsync(string eventName, string connectionId, TimeSpan? timeout = null) =>
        WaitForAsync(c => c.Event == eventName && c.ConnectionId == connectionId, timeout);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task RecordAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var call = new RecordedUpstream(headers, context.Request.ContentType ?? "", body);
        var (status, reply) = Reply(call);
        lock (_gate)
        {
            _calls.Add(call);
            var changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            changed.TrySetResult();
        }

        context.Response.StatusCode = status;
        if (reply is not null)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(reply, context.RequestAborted);
        }
    }
}
