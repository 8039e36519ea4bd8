using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using FunctionsDashboard.Options;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Registry;

namespace FunctionsDashboard.SignalR;

/// <summary>
/// The SignalR Service data-plane REST API (version 2022-06-01) for the configured hub: send to all / user / group /
/// connection, close a connection, connection exists, group membership. Each call is authorised by a fresh REST token
/// whose <c>aud</c> is the request URL. Calls run through the <see cref="PipelineName"/> Polly pipeline (per-try timeout
/// = <see cref="DashboardOptions.ConnectionTimeout"/>, retries on 408/429/5xx with jittered exponential backoff, honouring
/// <c>Retry-After</c>); sends are not retried on a plain 500, which the Service also answers when a send timed out after
/// delivery. <see cref="BroadcastAsync"/> is a single attempt for callers that bring their own pipeline.
/// </summary>
public sealed partial class SignalRRestClient(
    HttpClient http,
    SignalRTokenService tokens,
    IOptions<SignalROptions> signalROptions,
    IOptions<DashboardOptions> dashboardOptions,
    ResiliencePipelineProvider<string> pipelines,
    TimeProvider timeProvider,
    ILogger<SignalRRestClient> logger) : IHubBroadcaster, IConnectionCloser
{
    /// <summary>The name of the REST pipeline in the Polly registry.</summary>
    public const string PipelineName = "signalr-rest";

    /// <summary>The data-plane API version.</summary>
    public const string ApiVersion = "2022-06-01";

    internal static readonly ResiliencePropertyKey<bool> IsSendKey = new("signalr-rest.is-send");

    private string Hub => signalROptions.Value.HubName.ToLowerInvariant();

    /// <summary>Sends a hub message to every connection.</summary>
    public Task SendToAllAsync(string target, IReadOnlyList<object?> arguments, CancellationToken cancellationToken) =>
        ExecuteAsync(HttpMethod.Post, "/:send", Message(target, arguments), isSend: true, [HttpStatusCode.Accepted], cancellationToken);

    /// <summary>Sends a hub message to every connection of a user.</summary>
    public Task SendToUserAsync(string userId, string target, IReadOnlyList<object?> arguments, CancellationToken cancellationToken) =>
        ExecuteAsync(HttpMethod.Post, $"/users/{Escape(userId)}/:send", Message(target, arguments), isSend: true, [HttpStatusCode.Accepted], cancellationToken);

    /// <summary>Sends a hub message to every connection in a group.</summary>
    public Task SendToGroupAsync(string group, string target, IReadOnlyList<object?> arguments, CancellationToken cancellationToken) =>
        ExecuteAsync(HttpMethod.Post, $"/groups/{Escape(group)}/:send", Message(target, arguments), isSend: true, [HttpStatusCode.Accepted], cancellationToken);

    /// <summary>Sends a hub message to one connection.</summary>
    public Task SendToConnectionAsync(string connectionId, string target, IReadOnlyList<object?> arguments, CancellationToken cancellationToken) =>
        ExecuteAsync(HttpMethod.Post, $"/connections/{Escape(connectionId)}/:send", Message(target, arguments), isSend: true, [HttpStatusCode.Accepted], cancellationToken);

    /// <summary>Closes a connection (already gone counts as closed). Returns false when the Service did not know it.</summary>
    public async Task<bool> CloseConnectionAsync(string connectionId, string? reason, CancellationToken cancellationToken)
    {
        var query = string.IsNullOrEmpty(reason) ? "" : "&reason=" + Uri.EscapeDataString(reason);
        var status = await ExecuteAsync(HttpMethod.Delete, $"/connections/{Escape(connectionId)}", query, null, isSend: false, [HttpStatusCode.OK, HttpStatusCode.NoContent, HttpStatusCode.Accepted, HttpStatusCode.NotFound], cancellationToken);
        return status != HttpStatusCode.NotFound;
    }

    /// <summary>Whether the Service has the connection.</summary>
    public async Task<bool> ConnectionExistsAsync(string connectionId, CancellationToken cancellationToken) =>
        await ExecuteAsync(HttpMethod.Head, $"/connections/{Escape(connectionId)}", "", null, isSend: false, [HttpStatusCode.OK, HttpStatusCode.NotFound], cancellationToken) == HttpStatusCode.OK;

    /// <summary>Adds a connection to a group.</summary>
    public Task AddToGroupAsync(string group, string connectionId, CancellationToken cancellationToken) =>
        ExecuteAsync(HttpMethod.Put, $"/groups/{Escape(group)}/connections/{Escape(connectionId)}", "", null, isSend: false, [HttpStatusCode.OK], cancellationToken);

    /// <inheritdoc />
    public Task BroadcastAsync(string target, IReadOnlyList<object?> arguments, CancellationToken cancellationToken) =>
        SendOnceAsync("/:send", target, arguments, cancellationToken);

    /// <inheritdoc />
    public Task BroadcastToGroupAsync(string group, string target, IReadOnlyList<object?> arguments, CancellationToken cancellationToken) =>
        SendOnceAsync($"/groups/{Escape(group)}/:send", target, arguments, cancellationToken);

    private async Task SendOnceAsync(string path, string target, IReadOnlyList<object?> arguments, CancellationToken cancellationToken)
    {
        var timeout = dashboardOptions.Value.ConnectionTimeout;
        using var cts = new CancellationTokenSource(timeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cts.Token, cancellationToken);
        try
        {
            await AttemptAsync(HttpMethod.Post, path, "", Message(target, arguments), [HttpStatusCode.Accepted], linked.Token);
        }
        catch (OperationCanceledException e) when (cts.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"SignalR Service did not answer within {timeout}.", e);
        }
    }

    private Task ExecuteAsync(HttpMethod method, string path, object body, bool isSend, HttpStatusCode[] ok, CancellationToken cancellationToken) =>
        ExecuteAsync(method, path, "", body, isSend, ok, cancellationToken);

    private async Task<HttpStatusCode> ExecuteAsync(HttpMethod method, string path, string query, object? body, bool isSend, HttpStatusCode[] ok, CancellationToken cancellationToken)
    {
        var pipeline = pipelines.GetPipeline(PipelineName);
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(IsSendKey, isSend);
        try
        {
            return await pipeline.ExecuteAsync(
                static async (ctx, state) => await state.self.AttemptAsync(state.method, state.path, state.query, state.body, state.ok, ctx.CancellationToken),
                context,
                (self: this, method, path, query, body, ok));
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private async Task<HttpStatusCode> AttemptAsync(HttpMethod method, string path, string query, object? body, HttpStatusCode[] ok, CancellationToken cancellationToken)
    {
        var url = new Uri($"{signalROptions.Value.Connection.ServerEndpoint.AbsoluteUri.TrimEnd('/')}/api/hubs/{Hub}{path}?api-version={ApiVersion}{query}");
        using var span = Observability.DashboardTelemetry.StartSignalRRest(method.Method, path);
        using var request = new HttpRequestMessage(method, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await tokens.CreateRestTokenAsync(url, cancellationToken));
        if (body is not null)
        {
            // Serialised up front: the request carries a Content-Length instead of a chunked body.
            request.Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, body.GetType(), JsonSerializerOptions.Web))
            {
                Headers = { ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" } },
            };
        }

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (Exception e)
        {
            Observability.DashboardTelemetry.Fail(span, e);
            throw;
        }

        using var _ = response;
        span?.SetTag("http.response.status_code", (int)response.StatusCode);
        if (ok.Contains(response.StatusCode))
        {
            return response.StatusCode;
        }

        var detail = await ReadErrorAsync(response, cancellationToken);
        var retryAfter = RetryAfter(response);
        Log.RestFailed(logger, method.Method, path, (int)response.StatusCode, detail);
        span?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, $"HTTP {(int)response.StatusCode}");
        throw new SignalRRestException(response.StatusCode, $"SignalR Service answered {(int)response.StatusCode} to {method.Method} {path}: {detail}", retryAfter);
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response) =>
        response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - timeProvider.GetUtcNow() is var d && d > TimeSpan.Zero ? d : TimeSpan.Zero,
            _ => null,
        };

    private static async Task<string> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength is 0 || response.RequestMessage?.Method == HttpMethod.Head)
        {
            return response.ReasonPhrase ?? "no detail";
        }

        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        try
        {
            using var doc = JsonDocument.Parse(text);
            foreach (var name in new[] { "message", "detail", "title" })
            {
                foreach (var p in doc.RootElement.EnumerateObject())
                {
                    if (string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase) && p.Value.ValueKind == JsonValueKind.String)
                    {
                        return p.Value.GetString()!;
                    }
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON: fall through to the raw text.
        }

        return text.Length > 200 ? text[..200] : text;
    }

    private static object Message(string target, IReadOnlyList<object?> arguments) => new { target, arguments };

    private static string Escape(string segment) => Uri.EscapeDataString(segment);

    private static partial class Log
    {
        [LoggerMessage(EventId = 3101, EventName = "SignalRRestFailed", Level = LogLevel.Warning, Message = "SignalR Service REST {Method} {Path} answered {Status}: {Detail}")]
        public static partial void RestFailed(ILogger logger, string method, string path, int status, string detail);
    }
}

