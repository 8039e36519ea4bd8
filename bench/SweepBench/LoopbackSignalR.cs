using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FunctionsDashboard.Bench;

/// <summary>
/// A trivial stand-in for the SignalR Service REST API on loopback: <c>DELETE .../connections/{id}</c> answers 204,
/// <c>POST .../:send</c> answers 202. It prices the sweep's per-connection REST close (token, request, response) without
/// the Service's own latency.
/// </summary>
internal sealed class LoopbackSignalR : IAsyncDisposable
{
    private readonly WebApplication _app;
    private long _closes;
    private long _sends;

    private LoopbackSignalR(WebApplication app, Uri endpoint)
    {
        _app = app;
        Endpoint = endpoint;
    }

    public Uri Endpoint { get; }

    public long Closes => Interlocked.Read(ref _closes);

    public long Sends => Interlocked.Read(ref _sends);

    public static async Task<LoopbackSignalR> StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        LoopbackSignalR? self = null;
        app.Run(context =>
        {
            if (HttpMethods.IsDelete(context.Request.Method) && context.Request.Path.Value?.Contains("/connections/", StringComparison.Ordinal) == true)
            {
                Interlocked.Increment(ref self!._closes);
                context.Response.StatusCode = StatusCodes.Status204NoContent;
            }
            else if (HttpMethods.IsPost(context.Request.Method) && context.Request.Path.Value?.EndsWith("/:send", StringComparison.Ordinal) == true)
            {
                Interlocked.Increment(ref self!._sends);
                context.Response.StatusCode = StatusCodes.Status202Accepted;
            }
            else
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
            }

            return Task.CompletedTask;
        });
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        self = new LoopbackSignalR(app, new Uri(address));
        return self;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
