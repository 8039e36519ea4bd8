using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using FunctionsDashboard.Observability;
using FunctionsDashboard.Tests.Sse;
using Microsoft.AspNetCore.SignalR.Client;

namespace FunctionsDashboard.Tests.Observability;

/// <summary>
/// Issue 15 item 1, end to end on DevHost with <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> pointing at an OTLP/HTTP receiver on
/// loopback: a CloudEvent carrying a <c>traceparent</c> yields the spans webhook → event-log commit → relay deliver →
/// SignalR send, all in the publisher's trace and chained parent to child; an event without one starts its own trace
/// at the webhook. A stock .NET SignalR client and a raw SSE client see the same <c>traceparent</c>, the webhook span's.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class EventTraceEndToEndTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task PublishedEvent_SpansFromWebhookToSignalRSend_InTheEventsTrace_AndClientsSeeItsTraceparent()
    {
        await using var otlp = await OtlpReceiver.StartAsync();
        // As environment variables would be: seen while the composition runs (command-line arguments are, too).
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString, extraArgs:
        [
            $"--{ObservabilityExtensions.OtlpEndpointSetting}={otlp.Endpoint.AbsoluteUri.TrimEnd('/')}",
            "--OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf",
            "--OTEL_BSP_SCHEDULE_DELAY=100",
            "--OTEL_METRIC_EXPORT_INTERVAL=500",
            "--OTEL_SERVICE_NAME=trace-test",
            "--OTEL_DOTNET_EXPERIMENTAL_OTLP_RETRY=in_memory", // a machine under load may time out one export: retry it
        ]);

        var hubSeen = new ConcurrentQueue<JsonElement>();
        await using var hub = new HubConnectionBuilder().WithUrl(new Uri(server.BaseAddress, "api")).Build();
        hub.On<JsonElement>("event", e => hubSeen.Enqueue(e));
        hub.On<JsonElement[]>("events", es => Array.ForEach(es, hubSeen.Enqueue));
        await hub.StartAsync();
        await hub.InvokeAsync<JsonElement>(FunctionsDashboard.Hub.DashboardHubHandlers.Subscribe);

        using var sseResponse = await server.Client.GetAsync("/api/events", HttpCompletionOption.ResponseHeadersRead);
        using var sse = new SseEndpointTests.SseConnection(sseResponse, await sseResponse.Content.ReadAsStreamAsync());
        await sse.WaitForRetryAsync();

        // One event in the publisher's trace, one without a traceparent.
        var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        const string publisherSpan = "00f067aa0ba902b7";
        await PostAsync(server, "traced-1", $"00-{traceId}-{publisherSpan}-01");
        await Eventually.WaitAsync(() => Task.FromResult(hubSeen.Count), n => n >= 1, TimeSpan.FromSeconds(30), "the SignalR client to get the first event"); // one hub message each
        await PostAsync(server, "untraced-1", traceparent: null);

        var sseEvents = (await sse.TakeAsync(2)).Select(i => JsonDocument.Parse(i.Data).RootElement).ToDictionary(e => e.GetProperty("id").GetString()!);
        await Eventually.WaitAsync(() => Task.FromResult(hubSeen.Count), n => n >= 2, TimeSpan.FromSeconds(30), "the SignalR client to get both events");
        var hubEvents = hubSeen.ToDictionary(e => e.GetProperty("id").GetString()!);

        // Both clients see the same traceparent; the traced event's is in the publisher's trace.
        var traced = hubEvents["traced-1"].GetProperty("traceparent").GetString()!;
        var untraced = hubEvents["untraced-1"].GetProperty("traceparent").GetString()!;
        Assert.Equal(traced, sseEvents["traced-1"].GetProperty("traceparent").GetString());
        Assert.Equal(untraced, sseEvents["untraced-1"].GetProperty("traceparent").GetString());
        Assert.True(TraceContext.TryParse(traced, null, out var tracedContext));
        Assert.True(TraceContext.TryParse(untraced, null, out var untracedContext));
        Assert.Equal(traceId, tracedContext.TraceId.ToHexString());
        Assert.NotEqual(traceId, untracedContext.TraceId.ToHexString());

        // The receiver gets the four spans of each event, in the event's trace, each the child of the step before.
        var tracedSpans = await JourneyAsync(otlp, traceId);
        var webhook = Single(tracedSpans, DashboardTelemetry.WebhookSpan);
        Assert.Equal(publisherSpan, webhook.ParentSpanId);
        Assert.Equal(tracedContext.SpanId.ToHexString(), webhook.SpanId); // clients link to the webhook span
        Assert.Equal("traced-1", webhook.Attributes["messaging.message.id"]);
        AssertChain(tracedSpans, webhook);
        Assert.Equal(DashboardTelemetry.SourceName, webhook.Scope);
        Assert.Contains(otlp.ContentTypes, t => t.StartsWith("application/x-protobuf", StringComparison.Ordinal));
        Assert.Empty(otlp.Errors);

        var untracedSpans = await JourneyAsync(otlp, untracedContext.TraceId.ToHexString());
        var root = Single(untracedSpans, DashboardTelemetry.WebhookSpan);
        Assert.Equal("", root.ParentSpanId); // a new trace starts at the webhook
        AssertChain(untracedSpans, root);

        // Metrics go to the same collector.
        await Eventually.WaitAsync(() => Task.FromResult(otlp.Requests.GetValueOrDefault("metrics")), n => n > 0, TimeSpan.FromSeconds(30), "a metrics export");
    }

    private static void AssertChain(IReadOnlyList<OtlpSpan> spans, OtlpSpan webhook)
    {
        var commit = Single(spans, DashboardTelemetry.CommitSpan);
        var deliver = Single(spans, DashboardTelemetry.DeliverySpan);
        var send = Single(spans, DashboardTelemetry.SendSpan);
        Assert.Equal(webhook.SpanId, commit.ParentSpanId);
        Assert.Equal(webhook.SpanId, deliver.ParentSpanId);
        Assert.Equal(deliver.SpanId, send.ParentSpanId);
        Assert.All([webhook, commit, deliver, send], s => Assert.Equal(webhook.TraceId, s.TraceId));
        Assert.EndsWith("/:send", send.Attributes["url.path"], StringComparison.Ordinal);
        Assert.Equal("202", send.Attributes["http.response.status_code"]);
    }

    private static OtlpSpan Single(IReadOnlyList<OtlpSpan> spans, string name)
    {
        var named = spans.Where(s => s.Name == name).ToList();
        Assert.True(named.Count == 1, $"expected one '{name}' span, got {named.Count}: {string.Join(", ", spans.Select(s => s.Name))}");
        return named[0];
    }

    private static async Task<IReadOnlyList<OtlpSpan>> JourneyAsync(OtlpReceiver otlp, string traceId)
    {
        string[] names = [DashboardTelemetry.WebhookSpan, DashboardTelemetry.CommitSpan, DashboardTelemetry.DeliverySpan, DashboardTelemetry.SendSpan];
        return await Eventually.WaitAsync(
            () => Task.FromResult<IReadOnlyList<OtlpSpan>>([.. otlp.Spans.Where(s => s.TraceId == traceId)]),
            spans => names.All(n => spans.Any(s => s.Name == n)),
            TimeSpan.FromSeconds(60),
            $"the four spans of trace {traceId} (decode errors: {otlp.Errors.Count}; received: {string.Join(", ", otlp.Requests.Select(r => $"{r.Key} x{r.Value}"))}; spans: {string.Join(", ", otlp.Spans.Select(s => $"{s.Name}@{s.TraceId[..8]}/{s.SpanId[..4]}<{(s.ParentSpanId.Length > 0 ? s.ParentSpanId[..4] : "")} [{string.Join(" ", s.Attributes.Select(a => $"{a.Key}={a.Value}"))}] links {s.Links.Count}"))})");
    }

    private static async Task PostAsync(DevHostServer server, string id, string? traceparent)
    {
        var cloudEvent = new Dictionary<string, object?>
        {
            ["specversion"] = "1.0",
            ["id"] = id,
            ["source"] = "/traced",
            ["type"] = "ops.metric",
            ["datacontenttype"] = "application/json",
            ["data"] = new { value = id },
        };
        if (traceparent is not null)
        {
            cloudEvent["traceparent"] = traceparent;
            cloudEvent["tracestate"] = "dash=1";
        }

        using var content = new StringContent(JsonSerializer.Serialize(cloudEvent), Encoding.UTF8, "application/cloudevents+json");
        using var response = await server.Client.PostAsync($"/api/eventgrid?code={EventPoster.Secret}", content);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"webhook answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }
}
