using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FunctionsDashboard.Tests.Observability;

/// <summary>
/// An OTLP/HTTP receiver on loopback (Kestrel): <c>POST /v1/traces</c> with <c>application/x-protobuf</c> bodies is
/// decoded (<see cref="OtlpTraceReader"/>); <c>/v1/metrics</c> and <c>/v1/logs</c> bodies are counted. Answers 200 with
/// an empty protobuf message, as a collector does.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private OtlpReceiver(WebApplication app, Uri endpoint)
    {
        _app = app;
        Endpoint = endpoint;
    }

    public Uri Endpoint { get; }

    public ConcurrentQueue<OtlpSpan> Spans { get; } = new();

    public ConcurrentDictionary<string, int> Requests { get; } = new(StringComparer.Ordinal);

    public ConcurrentQueue<string> ContentTypes { get; } = new();

    public ConcurrentQueue<string> Errors { get; } = new();

    public static async Task<OtlpReceiver> StartAsync()
    {
        var port = AzuriteFixture.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new OtlpReceiver(app, new Uri($"http://127.0.0.1:{port}"));
        app.MapPost("/v1/{signal}", async (string signal, HttpRequest request) =>
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer);
            receiver.ContentTypes.Enqueue(request.ContentType ?? "");
            receiver.Requests.AddOrUpdate(signal, 1, (_, n) => n + 1);
            if (signal == "traces")
            {
                try
                {
                    foreach (var span in OtlpTraceReader.Read(buffer.ToArray()))
                    {
                        receiver.Spans.Enqueue(span);
                    }
                }
                catch (Exception e) when (e is FormatException or ArgumentOutOfRangeException or IndexOutOfRangeException or OverflowException)
                {
                    receiver.Errors.Enqueue(e.Message);
                    return Results.BadRequest();
                }
            }

            return Results.Bytes([], "application/x-protobuf");
        });
        await app.StartAsync();
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
