using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using FunctionsDashboard.Hub;
using FunctionsDashboard.Relay;
using FunctionsDashboard.SignalR;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.DevHost.LocalSignalR;

/// <summary>
/// POSTs upstream events to the app as Azure SignalR Service does: <c>connections/connected</c> (<c>{"type":10}</c>),
/// <c>connections/disconnected</c> (<c>{"type":11,"error":...}</c>) and <c>messages/{target}</c> (the client's
/// invocation frame as sent), with the <c>X-ASRS-*</c> headers and signature. Fire once, never retried (the Service
/// does not retry upstream), on an HttpClient of its own so no resilience handler can add retries.
/// </summary>
internal sealed class LocalUpstreamCaller : IDisposable
{
    public const string ConnectionsCategory = "connections";
    public const string MessagesCategory = "messages";
    public const string ConnectedEvent = "connected";
    public const string DisconnectedEvent = "disconnected";

    private const int MaxReplySize = 16 * 1024 * 1024;
    private static readonly byte[] ConnectedBody = """{"type":10}"""u8.ToArray();
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8,
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    private readonly IOptions<LocalSignalROptions> _options;
    private readonly LocalSignalRKeys _keys;
    private readonly LocalSignalRFaults _faults;
    private readonly IServer _server;
    private readonly TimeProvider _timeProvider;
    private readonly CancellationToken _stopping;
    private readonly ILogger<LocalUpstreamCaller> _logger;
    private string? _ownUpstreamUrl;

    public LocalUpstreamCaller(
        IOptions<LocalSignalROptions> options,
        LocalSignalRKeys keys,
        LocalSignalRFaults faults,
        IServer server,
        TimeProvider timeProvider,
        IHostApplicationLifetime lifetime,
        ILogger<LocalUpstreamCaller> logger)
    {
        _options = options;
        _keys = keys;
        _faults = faults;
        _server = server;
        _timeProvider = timeProvider;
        _stopping = lifetime.ApplicationStopping;
        _logger = logger;
    }

    public Task<UpstreamReply> ConnectedAsync(LocalClientConnection connection) =>
        CallAsync(connection, ConnectionsCategory, ConnectedEvent, ConnectedBody);

    public Task<UpstreamReply> DisconnectedAsync(LocalClientConnection connection, string? error) =>
        CallAsync(connection, ConnectionsCategory, DisconnectedEvent, DisconnectedBody(error));

    public Task<UpstreamReply> InvocationAsync(LocalClientConnection connection, IncomingFrame invocation) =>
        CallAsync(connection, MessagesCategory, invocation.Target!, invocation.Json);

    /// <summary>Replaces <c>{hub}</c>, <c>{category}</c> and <c>{event}</c> in an upstream URL template, URL-escaped.</summary>
    public static string Expand(string template, string hub, string category, string eventName) =>
        template
            .Replace("{hub}", Uri.EscapeDataString(hub), StringComparison.OrdinalIgnoreCase)
            .Replace("{category}", Uri.EscapeDataString(category), StringComparison.OrdinalIgnoreCase)
            .Replace("{event}", Uri.EscapeDataString(eventName), StringComparison.OrdinalIgnoreCase);

    /// <summary>The upstream URL (template) in force: the setting, else DevHost's own base URL + the app's upstream route.</summary>
    public string UpstreamTemplate => string.IsNullOrEmpty(_options.Value.UpstreamUrl) ? OwnUpstreamUrl() : _options.Value.UpstreamUrl;

    public void Dispose() => _http.Dispose();

    internal static byte[] DisconnectedBody(string? error) =>
        string.IsNullOrEmpty(error)
            ? """{"type":11}"""u8.ToArray()
            : JsonSerializer.SerializeToUtf8Bytes(new DisconnectedMessage(11, error));

    private async Task<UpstreamReply> CallAsync(LocalClientConnection connection, string category, string eventName, byte[] body)
    {
        if (_faults.DrawDropUpstream(eventName))
        {
            _faults.CountUpstreamDropped(eventName);
            LocalSignalRLog.UpstreamDropped(_logger, category, eventName, connection.ConnectionId);
            return UpstreamReply.None;
        }

        if (_stopping.IsCancellationRequested)
        {
            // DevHost is shutting down and takes its connections with it; the app is stopping too.
            LocalSignalRLog.UpstreamSkipped(_logger, category, eventName, connection.ConnectionId);
            return UpstreamReply.None;
        }

        var url = new Uri(Expand(UpstreamTemplate, connection.Hub, category, eventName));
        var safeUrl = url.GetLeftPart(UriPartial.Path);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = Json;
        var headers = request.Headers;
        headers.TryAddWithoutValidation(UpstreamHeaders.ConnectionId, connection.ConnectionId);
        headers.TryAddWithoutValidation(UpstreamHeaders.Hub, connection.Hub);
        headers.TryAddWithoutValidation(UpstreamHeaders.Category, category);
        headers.TryAddWithoutValidation(UpstreamHeaders.Event, eventName);
        if (!string.IsNullOrEmpty(connection.UserId))
        {
            headers.TryAddWithoutValidation(UpstreamHeaders.UserId, connection.UserId);
        }

        if (connection.Claims.Count > 0)
        {
            headers.TryAddWithoutValidation(UpstreamHeaders.UserClaims, string.Join(", ", connection.Claims));
        }

        if (!string.IsNullOrEmpty(connection.QueryString))
        {
            headers.TryAddWithoutValidation(UpstreamHeaders.ClientQuery, connection.QueryString);
        }

        headers.TryAddWithoutValidation(UpstreamHeaders.Signature, UpstreamSignature.Compute(connection.ConnectionId, _keys.AccessKeys));

        using var timeout = new CancellationTokenSource(_options.Value.UpstreamTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _stopping);
        _faults.CountUpstreamMade(eventName);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
            var reply = new UpstreamReply(response.StatusCode, await ReadBodyAsync(response, linked.Token));
            if (!reply.IsSuccess)
            {
                _faults.CountUpstreamFailed();
                LocalSignalRLog.UpstreamFailed(_logger, category, eventName, connection.ConnectionId, safeUrl, (int)response.StatusCode);
            }

            return reply;
        }
        catch (Exception e) when (_stopping.IsCancellationRequested && e is HttpRequestException or OperationCanceledException)
        {
            // Cut short by DevHost's own stop: not an upstream failure.
            LocalSignalRLog.UpstreamSkipped(_logger, category, eventName, connection.ConnectionId);
            return UpstreamReply.None;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or InvalidDataException)
        {
            _faults.CountUpstreamFailed();
            var error = e is OperationCanceledException && timeout.IsCancellationRequested ? $"no answer within {_options.Value.UpstreamTimeout}" : e.Message;
            LocalSignalRLog.UpstreamUnreachable(_logger, category, eventName, connection.ConnectionId, safeUrl, error);
            return UpstreamReply.None;
        }
    }

    private static async Task<byte[]> ReadBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        return await BoundedBody.ReadAsync(stream, response.Content.Headers.ContentLength, MaxReplySize, cancellationToken)
            ?? throw new InvalidDataException("the upstream answer is larger than 16 MB");
    }

    private string OwnUpstreamUrl()
    {
        if (_ownUpstreamUrl is { } cached)
        {
            return cached;
        }

        var address = _server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("Local SignalR: DevHost has no server address yet; set LocalSignalR:UpstreamUrl.");
        var own = new UriBuilder(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("://+", "://127.0.0.1", StringComparison.Ordinal).Replace("://*", "://127.0.0.1", StringComparison.Ordinal));
        return _ownUpstreamUrl = own.Uri.GetLeftPart(UriPartial.Authority) + LocalSignalROptions.DefaultUpstreamPath;
    }

    private sealed record DisconnectedMessage(
        [property: System.Text.Json.Serialization.JsonPropertyName("type")] int Type,
        [property: System.Text.Json.Serialization.JsonPropertyName("error")] string Error);
}
