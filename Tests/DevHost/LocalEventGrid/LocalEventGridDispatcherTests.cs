using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using FunctionsDashboard.DevHost.LocalEventGrid;
using FunctionsDashboard.Relay;
using Microsoft.Extensions.Logging.Abstractions;

namespace FunctionsDashboard.Tests.DevHost.LocalEventGrid;

/// <summary>The delivery engine against a scripted endpoint, with time moved by hand: no real waiting anywhere.</summary>
public sealed class LocalEventGridDispatcherTests : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly ObservableFakeTime _time = new();
    private readonly ScriptedEndpoint _endpoint = new();
    private readonly InMemoryDeadLetters _deadLetters = new();
    private readonly LocalEventGridStats _stats = new();
    private LocalEventGridDispatcher? _sut;

    [Fact]
    public async Task Publish_EndpointAnswers503ThenOk_RetriedAfterAboutTenSecondsThenDelivered()
    {
        var sut = await StartAsync();
        _endpoint.Answer(HttpStatusCode.ServiceUnavailable, HttpStatusCode.OK);

        sut.Publish([EventGridEvent("e1")]);

        var first = await _endpoint.NextNotificationAsync();
        Assert.Equal("0", first.Header("aeg-delivery-count"));
        var delay = await NextRetryTimerAsync();
        Assert.InRange(delay, TimeSpan.FromSeconds(9), TimeSpan.FromSeconds(11));
        _time.Advance(delay);
        var second = await _endpoint.NextNotificationAsync();
        Assert.Equal("1", second.Header("aeg-delivery-count"));
        await _stats.WhenIdle.WaitAsync(Patience);
        Assert.Equal((1L, 0L, 2L), (_stats.Delivered, _stats.DeadLettered, _stats.Attempts));
    }

    [Fact]
    public async Task Publish_EventGridSchema_ValidationHandshakeFirstThenNotificationArray()
    {
        var sut = await StartAsync();

        sut.Publish([EventGridEvent("e1")]);
        await _stats.WhenIdle.WaitAsync(Patience);
        sut.Publish([EventGridEvent("e2")]);
        await _endpoint.NextNotificationAsync();
        await _stats.WhenIdle.WaitAsync(Patience);

        var requests = _endpoint.Requests;
        Assert.Equal(["SubscriptionValidation", "Notification", "Notification"], requests.Select(r => r.Header("aeg-event-type")));
        Assert.Equal(1, _stats.Handshakes);
        var notification = requests[1];
        Assert.Equal("application/json", notification.MediaType);
        Assert.Equal("LOCAL-RELAY", notification.Header("aeg-subscription-name"));
        Assert.Equal("e1", JsonNode.Parse(notification.Body)!.AsArray().Single()!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Publish_CloudEvents_OptionsHandshakeFirstThenStructuredEvent()
    {
        var sut = await StartAsync();

        sut.Publish([CloudEvent("c1")]);
        await _stats.WhenIdle.WaitAsync(Patience);

        var requests = _endpoint.Requests;
        Assert.Equal(HttpMethod.Options, requests[0].Method);
        Assert.Equal(LocalEventGridDispatcher.HandshakeOrigin, requests[0].Header(EventGridWebhook.RequestOriginHeader));
        Assert.Equal(EventGridMediaTypes.CloudEvent, requests[1].MediaType);
        Assert.Equal("c1", JsonNode.Parse(requests[1].Body)!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Publish_CloudEvents_DeliveriesCarryOriginAndTheHandshakeACallback_Issue13()
    {
        var sut = await StartAsync();

        sut.Publish([CloudEvent("c1")]);
        await _stats.WhenIdle.WaitAsync(Patience);

        var requests = _endpoint.Requests;
        Assert.StartsWith("http://", requests[0].Header("webhook-request-callback"), StringComparison.Ordinal);
        Assert.Null(requests[0].Header("origin"));
        Assert.Equal(LocalEventGridDispatcher.HandshakeOrigin, requests[1].Header("origin"));
    }

    [Fact]
    public async Task Publish_EventGridSchemaHandshakeNotEchoed_ValidationUrlGetValidates_ThenDelivered_Issue13()
    {
        var sut = await StartAsync();
        _endpoint.EchoValidationCode = false;

        sut.Publish([EventGridEvent("e1")]);
        var validation = await _endpoint.NextHandshakeAsync();
        var url = new Uri(JsonNode.Parse(validation.Body)![0]!["data"]!["validationUrl"]!.GetValue<string>());
        Assert.Equal(LocalEventGridDispatcher.ValidationPath, url.AbsolutePath);
        var code = System.Web.HttpUtility.ParseQueryString(url.Query)["code"];
        var retry = await NextRetryTimerAsync();

        Assert.False(sut.ValidateManually("not-a-code"));
        Assert.True(sut.ValidateManually(code));
        Assert.False(sut.ValidateManually(code)); // used once

        // The validation wakes the dispatcher, which arms its wait for the retry again: move time only once it has (moved
        // earlier, the wait would be armed after the move and never fire).
        retry = await NextRetryTimerAsync();
        _time.Advance(retry);
        await _stats.WhenIdle.WaitAsync(Patience);

        Assert.Equal(1L, _stats.Delivered);
        Assert.Equal(["SubscriptionValidation", "Notification"], _endpoint.Requests.Select(r => r.Header("aeg-event-type")));
    }

    [Fact]
    public async Task Publish_HandshakeAnswers503WhileAppStarts_RetriedOnTheScheduleThenDelivered()
    {
        var sut = await StartAsync();
        _endpoint.AnswerHandshake(HttpStatusCode.ServiceUnavailable, HttpStatusCode.OK);

        sut.Publish([EventGridEvent("e1")]);

        _time.Advance(await NextRetryTimerAsync());
        await _stats.WhenIdle.WaitAsync(Patience);
        Assert.Equal((1L, 2L), (_stats.Delivered, _stats.Attempts));
        Assert.Equal(["SubscriptionValidation", "SubscriptionValidation", "Notification"], _endpoint.Requests.Select(r => r.Header("aeg-event-type")));
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest)]
    [InlineData(HttpStatusCode.Unauthorized)]
    [InlineData(HttpStatusCode.Forbidden)]
    [InlineData(HttpStatusCode.RequestEntityTooLarge)]
    public async Task Publish_NonRetriedStatus_DeadLetteredAtOnceWithItsReason(HttpStatusCode status)
    {
        var sut = await StartAsync();
        _endpoint.Answer(status);

        sut.Publish([EventGridEvent("e1")]);
        await _stats.WhenIdle.WaitAsync(Patience);

        var (topic, letter) = Assert.Single(_deadLetters.Letters);
        Assert.Equal("orders", topic);
        Assert.Equal("e1", letter["id"]!.GetValue<string>());
        Assert.Equal("NonRetryableStatusCode", letter["deadLetterReason"]!.GetValue<string>());
        Assert.Equal(1, letter["deliveryAttempts"]!.GetValue<int>());
        Assert.Equal((int)status, letter["lastHttpStatusCode"]!.GetValue<int>());
        Assert.StartsWith(((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture), letter["lastDeliveryOutcome"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(_time.GetUtcNow(), DateTimeOffset.Parse(letter["publishTime"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture));
        Assert.NotNull(letter["lastDeliveryAttemptTime"]);
        Assert.Equal((0L, 1L, 1L), (_stats.Delivered, _stats.DeadLettered, _stats.Attempts));
    }

    [Fact]
    public async Task Publish_AlwaysFailing_DeadLetteredAfterMaxDeliveryAttempts()
    {
        var sut = await StartAsync(o => o.MaxDeliveryAttempts = 3);
        _endpoint.Answer(HttpStatusCode.InternalServerError, HttpStatusCode.InternalServerError, HttpStatusCode.InternalServerError);

        sut.Publish([EventGridEvent("e1")]);
        var first = await NextRetryTimerAsync();
        _time.Advance(first);
        var second = await NextRetryTimerAsync();
        _time.Advance(second);
        await _stats.WhenIdle.WaitAsync(Patience);

        Assert.InRange(second, TimeSpan.FromSeconds(27), TimeSpan.FromSeconds(33));
        var (_, letter) = Assert.Single(_deadLetters.Letters);
        Assert.Equal("MaxDeliveryAttemptsExceeded", letter["deadLetterReason"]!.GetValue<string>());
        Assert.Equal(3, letter["deliveryAttempts"]!.GetValue<int>());
    }

    [Fact]
    public async Task Publish_FailingBeyondTimeToLive_DeadLetteredAsExpired()
    {
        var sut = await StartAsync(o => o.EventTimeToLive = TimeSpan.FromMinutes(1));
        _endpoint.Answer(HttpStatusCode.ServiceUnavailable, HttpStatusCode.ServiceUnavailable, HttpStatusCode.ServiceUnavailable);

        sut.Publish([EventGridEvent("e1")]);
        _time.Advance(await NextRetryTimerAsync()); // ~10 s
        _time.Advance(await NextRetryTimerAsync()); // ~30 s more; the next wait (~1 min) would pass the 1 min TTL
        await _stats.WhenIdle.WaitAsync(Patience);

        var (_, letter) = Assert.Single(_deadLetters.Letters);
        Assert.Equal("TimeToLiveExceeded", letter["deadLetterReason"]!.GetValue<string>());
        Assert.Equal(3, letter["deliveryAttempts"]!.GetValue<int>());
    }

    [Fact]
    public async Task Publish_AckLost_RedeliversAnEventTheEndpointAlreadyHas()
    {
        var faults = new LocalEventGridFaults(Microsoft.Extensions.Options.Options.Create(new LocalEventGridOptions())) { AckLossRate = 1 };
        var sut = await StartAsync(faults: faults);

        sut.Publish([EventGridEvent("e1")]);
        await _endpoint.NextNotificationAsync();
        faults.AckLossRate = 0;
        _time.Advance(await NextRetryTimerAsync());
        await _stats.WhenIdle.WaitAsync(Patience);

        Assert.Equal(2, _endpoint.Requests.Count(r => r.Header("aeg-event-type") == "Notification"));
        Assert.Equal((1L, 1L), (_stats.Delivered, _stats.AcksLost));
    }

    [Fact]
    public async Task Publish_SevenEventsBatchesOfThree_ThreeDeliveries()
    {
        var sut = await StartAsync(o => o.MaxEventsPerBatch = 3);

        sut.Publish([.. Enumerable.Range(1, 7).Select(i => EventGridEvent($"e{i}"))]);
        await _stats.WhenIdle.WaitAsync(Patience);

        var sizes = _endpoint.Requests.Where(r => r.Header("aeg-event-type") == "Notification").Select(r => JsonNode.Parse(r.Body)!.AsArray().Count).ToList();
        Assert.Equal([3, 3, 1], sizes.Order().Reverse());
    }

    public async ValueTask DisposeAsync()
    {
        if (_sut is not null)
        {
            await _sut.StopAsync(CancellationToken.None);
            _sut.Dispose();
        }
    }

    private async Task<LocalEventGridDispatcher> StartAsync(Action<LocalEventGridOptions>? configure = null, LocalEventGridFaults? faults = null)
    {
        var options = new LocalEventGridOptions();
        configure?.Invoke(options);
        var sut = new LocalEventGridDispatcher(
            options,
            new HttpClient(_endpoint),
            () => new Uri("http://127.0.0.1:9/api/eventgrid?code=test"),
            _deadLetters,
            faults ?? new LocalEventGridFaults(Microsoft.Extensions.Options.Options.Create(options)),
            _stats,
            _time,
            NullLogger<LocalEventGridDispatcher>.Instance);
        await sut.StartAsync(CancellationToken.None);
        _sut = sut;
        return sut;
    }

    /// <summary>The next retry wait the dispatcher arms (skipping the 30 s answer timeouts it arms per request).</summary>
    private async Task<TimeSpan> NextRetryTimerAsync()
    {
        while (true)
        {
            var due = await _time.NextTimerAsync();
            if (due > TimeSpan.Zero && due != new LocalEventGridOptions().ResponseTimeout)
            {
                return due;
            }
        }
    }

    private LocalEvent EventGridEvent(string id)
    {
        var json = new JsonObject
        {
            ["id"] = id,
            ["topic"] = "/t/orders",
            ["subject"] = "s",
            ["eventType"] = "T",
            ["eventTime"] = "2026-11-25T12:00:00Z",
            ["dataVersion"] = "1",
            ["data"] = new JsonObject(),
        };
        return new LocalEvent(id, "orders", EventSchema.EventGrid, json, json.ToJsonString().Length, _time.GetUtcNow());
    }

    private LocalEvent CloudEvent(string id)
    {
        var json = new JsonObject { ["specversion"] = "1.0", ["id"] = id, ["source"] = "/s", ["type"] = "T" };
        return new LocalEvent(id, "orders", EventSchema.CloudEvents, json, json.ToJsonString().Length, _time.GetUtcNow());
    }

    private sealed record SeenRequest(HttpMethod Method, Dictionary<string, string> Headers, string? MediaType, string Body)
    {
        public string? Header(string name) => Headers.GetValueOrDefault(name.ToLowerInvariant());
    }

    /// <summary>An endpoint that answers handshakes correctly and notifications with a script (200 once the script ends).</summary>
    private sealed class ScriptedEndpoint : HttpMessageHandler
    {
        private readonly Lock _gate = new();
        private readonly Queue<HttpStatusCode> _notificationAnswers = new();
        private readonly Queue<HttpStatusCode> _handshakeAnswers = new();
        private readonly List<SeenRequest> _requests = [];
        private readonly Channel<SeenRequest> _notifications = Channel.CreateUnbounded<SeenRequest>();
        private readonly Channel<SeenRequest> _handshakes = Channel.CreateUnbounded<SeenRequest>();

        public IReadOnlyList<SeenRequest> Requests
        {
            get
            {
                lock (_gate)
                {
                    return [.. _requests];
                }
            }
        }

        public void Answer(params HttpStatusCode[] statuses)
        {
            lock (_gate)
            {
                statuses.ToList().ForEach(_notificationAnswers.Enqueue);
            }
        }

        public void AnswerHandshake(params HttpStatusCode[] statuses)
        {
            lock (_gate)
            {
                statuses.ToList().ForEach(_handshakeAnswers.Enqueue);
            }
        }

        public Task<SeenRequest> NextNotificationAsync() => _notifications.Reader.ReadAsync().AsTask().WaitAsync(Patience);

        /// <summary>False: the Event Grid schema handshake is answered 200 without the code (manual validation).</summary>
        public bool EchoValidationCode { get; set; } = true;

        public Task<SeenRequest> NextHandshakeAsync() => _handshakes.Reader.ReadAsync().AsTask().WaitAsync(Patience);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
            var headers = request.Headers.Concat(request.Content?.Headers ?? Enumerable.Empty<KeyValuePair<string, IEnumerable<string>>>())
                .ToDictionary(h => h.Key.ToLowerInvariant(), h => string.Join(",", h.Value));
            var seen = new SeenRequest(request.Method, headers, request.Content?.Headers.ContentType?.MediaType, body);
            var isHandshake = request.Method == HttpMethod.Options || seen.Header("aeg-event-type") == "SubscriptionValidation";
            HttpStatusCode status;
            lock (_gate)
            {
                _requests.Add(seen);
                var script = isHandshake ? _handshakeAnswers : _notificationAnswers;
                status = script.Count > 0 ? script.Dequeue() : HttpStatusCode.OK;
            }

            (isHandshake ? _handshakes : _notifications).Writer.TryWrite(seen);

            var response = new HttpResponseMessage(status);
            if (isHandshake && status == HttpStatusCode.OK)
            {
                if (request.Method == HttpMethod.Options)
                {
                    response.Headers.Add(EventGridWebhook.AllowedOriginHeader, seen.Header(EventGridWebhook.RequestOriginHeader));
                    response.Headers.Add(EventGridWebhook.AllowedRateHeader, "*");
                }
                else if (EchoValidationCode)
                {
                    var code = JsonNode.Parse(body)![0]!["data"]!["validationCode"]!.GetValue<string>();
                    response.Content = new StringContent(JsonSerializer.Serialize(new { validationResponse = code }), Encoding.UTF8, "application/json");
                }
            }

            return response;
        }
    }

    private sealed class InMemoryDeadLetters : IDeadLetterSink
    {
        private readonly Lock _gate = new();
        private readonly List<(string Topic, JsonObject Letter)> _letters = [];

        public IReadOnlyList<(string Topic, JsonObject Letter)> Letters
        {
            get
            {
                lock (_gate)
                {
                    return [.. _letters];
                }
            }
        }

        public Task WriteAsync(string topic, IReadOnlyList<JsonObject> events, CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                _letters.AddRange(events.Select(e => (topic, e)));
            }

            return Task.CompletedTask;
        }
    }
}
