using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FunctionsDashboard.Relay;

namespace FunctionsDashboard.DevHost.LocalEventGrid;

/// <summary>
/// The local Event Grid's delivery engine: one webhook subscription, real HTTP to the endpoint, the validation handshake
/// before the first delivery of each schema, Event Grid's retry schedule (<see cref="RetrySchedule"/>, compressible with
/// <c>TimeScale</c>), its non-retried codes, max attempts and time to live, a 30 s answer timeout, and dead-letter.
/// Time comes from <see cref="TimeProvider"/>. Events published before the app is ready simply wait out the schedule.
/// </summary>
internal sealed class LocalEventGridDispatcher : BackgroundService
{
    public const string HttpClientName = "LocalEventGrid";
    public const string HandshakeOrigin = "eventgrid.azure.net";

    private readonly Lock _gate = new();
    private readonly PriorityQueue<LocalEvent, DateTimeOffset> _waiting = new();
    private readonly SemaphoreSlim _wakeUp = new(0);
    private readonly SemaphoreSlim _slots;
    private readonly SemaphoreSlim _handshakeGate = new(1, 1);
    private readonly HashSet<EventSchema> _validated = [];
    private readonly Dictionary<string, (EventSchema Schema, DateTimeOffset Expires)> _validationCodes = new(StringComparer.Ordinal);
    private readonly LocalEventGridOptions _options;
    private readonly HttpClient _http;
    private readonly Func<Uri> _target;
    private readonly IDeadLetterSink _deadLetters;
    private readonly LocalEventGridFaults _faults;
    private readonly LocalEventGridStats _stats;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    public LocalEventGridDispatcher(
        LocalEventGridOptions options,
        HttpClient http,
        Func<Uri> target,
        IDeadLetterSink deadLetters,
        LocalEventGridFaults faults,
        LocalEventGridStats stats,
        TimeProvider timeProvider,
        ILogger<LocalEventGridDispatcher> logger)
    {
        _options = options;
        _http = http;
        _target = target;
        _deadLetters = deadLetters;
        _faults = faults;
        _stats = stats;
        _timeProvider = timeProvider;
        _logger = logger;
        _slots = new SemaphoreSlim(options.MaxConcurrentDeliveries, options.MaxConcurrentDeliveries);
    }

    /// <summary>The validation URL (Event Grid schema <c>validationUrl</c>, CloudEvents <c>WebHook-Request-Callback</c>) for a code.</summary>
    public const string ValidationPath = "/localeventgrid/validate";

    /// <summary>How long a validation URL stays valid (Event Grid: 5 minutes), in local time scale.</summary>
    private static readonly TimeSpan ValidationUrlLifetime = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Manual validation: a GET of a validation URL handed out in a handshake, within its lifetime, validates the endpoint
    /// for that schema, as a GET of <c>validationUrl</c> (or the CloudEvents callback) does on Event Grid.
    /// </summary>
    public bool ValidateManually(string? code)
    {
        if (string.IsNullOrEmpty(code))
        {
            return false;
        }

        lock (_gate)
        {
            if (!_validationCodes.Remove(code, out var pending) || pending.Expires < _timeProvider.GetUtcNow())
            {
                return false;
            }

            _validated.Add(pending.Schema);
        }

        _wakeUp.Release();
        return true;
    }

    private string NewValidationUrl(Uri endpoint, EventSchema schema)
    {
        var code = Guid.NewGuid().ToString();
        lock (_gate)
        {
            _validationCodes[code] = (schema, _timeProvider.GetUtcNow() + (ValidationUrlLifetime * _options.TimeScale));
        }

        return $"{endpoint.GetLeftPart(UriPartial.Authority)}{ValidationPath}?code={code}";
    }

    /// <summary>Queues freshly published events for delivery now.</summary>
    public void Publish(IReadOnlyList<LocalEvent> events)
    {
        lock (_gate)
        {
            foreach (var e in events)
            {
                _waiting.Enqueue(e, e.Due);
            }
        }

        _stats.OnPublished(events.Count);
        _wakeUp.Release();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var running = new List<Task>();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var now = _timeProvider.GetUtcNow();
                var due = new List<LocalEvent>();
                DateTimeOffset? next = null;
                lock (_gate)
                {
                    while (_waiting.TryPeek(out _, out var at) && at <= now)
                    {
                        due.Add(_waiting.Dequeue());
                    }

                    if (_waiting.TryPeek(out _, out var nextAt))
                    {
                        next = nextAt;
                    }
                }

                foreach (var batch in Batches(due))
                {
                    await _slots.WaitAsync(stoppingToken);
                    running.RemoveAll(t => t.IsCompleted);
                    running.Add(RunBatchAsync(batch, stoppingToken));
                }

                if (due.Count == 0)
                {
                    await WaitAsync(next is { } n ? n - now : null, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: undelivered events are lost with the process, as in any in-memory stand-in.
        }

        await Task.WhenAll(running).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    private async Task WaitAsync(TimeSpan? delay, CancellationToken stoppingToken)
    {
        if (_wakeUp.Wait(0, CancellationToken.None))
        {
            return; // something was queued meanwhile: look again before arming a timer
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var wake = _wakeUp.WaitAsync(cts.Token);
        // Timers count whole milliseconds: round up, or the loop would wake a fraction early and spin.
        var waits = delay is { } d ? new[] { wake, Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(Math.Max(0, d.TotalMilliseconds))), _timeProvider, cts.Token) } : [wake];
        await Task.WhenAny(waits);
        await cts.CancelAsync();
        stoppingToken.ThrowIfCancellationRequested();
    }

    private IEnumerable<List<LocalEvent>> Batches(List<LocalEvent> due)
    {
        // Events waiting only for their dead-letter write go one by one; deliveries are batched per schema.
        foreach (var e in due.Where(e => e.DeadLetterReason is not null))
        {
            yield return [e];
        }

        // preferredBatchSizeInKilobytes as Event Grid applies it (a single larger event goes alone); with at most 5,000
        // events of at most 1 MiB each plus their envelope, no delivery exceeds EventGridLimits.MaxDeliveryBytes.
        var preferred = _options.PreferredBatchSizeInKilobytes * 1024;
        foreach (var group in due.Where(e => e.DeadLetterReason is null).GroupBy(e => e.Schema))
        {
            var batch = new List<LocalEvent>();
            var size = 0;
            foreach (var e in group)
            {
                if (batch.Count > 0 && (batch.Count == _options.MaxEventsPerBatch || size + e.Size > preferred))
                {
                    yield return batch;
                    batch = [];
                    size = 0;
                }

                batch.Add(e);
                size += e.Size;
            }

            if (batch.Count > 0)
            {
                yield return batch;
            }
        }
    }

    private async Task RunBatchAsync(List<LocalEvent> batch, CancellationToken stoppingToken)
    {
        try
        {
            if (batch[0].DeadLetterReason is { } reason)
            {
                await DeadLetterAsync(batch, reason, stoppingToken);
            }
            else
            {
                await DeliverAsync(batch, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
        finally
        {
            _slots.Release();
        }
    }

    private async Task DeliverAsync(List<LocalEvent> batch, CancellationToken stoppingToken)
    {
        var now = _timeProvider.GetUtcNow();
        foreach (var e in batch)
        {
            e.Attempts++;
            e.LastAttemptTime = now;
        }

        var (status, outcome, ackLost) = await AttemptAsync(batch, stoppingToken);
        var decision = ackLost || status is null ? DeliveryDecision.Retry : DeliveryClassifier.Classify(status);
        _stats.OnAttempt(batch.Count, decision != DeliveryDecision.Delivered, ackLost);
        foreach (var e in batch)
        {
            e.LastStatusCode = status;
            e.LastOutcome = outcome;
        }

        switch (decision)
        {
            case DeliveryDecision.Delivered:
                _stats.OnSettled(batch.Count, 0);
                return;
            case DeliveryDecision.DeadLetter:
                await DeadLetterAsync(batch, "NonRetryableStatusCode", stoppingToken);
                return;
        }

        var giveUp = new List<(LocalEvent Event, string Reason)>();
        var retry = new List<LocalEvent>();
        var ttl = _options.EventTimeToLive * _options.TimeScale;
        foreach (var e in batch)
        {
            var delay = RetrySchedule.Delay(e.Attempts, _faults.NextUnit(), _options.TimeScale);
            if (e.Attempts >= _options.MaxDeliveryAttempts)
            {
                giveUp.Add((e, "MaxDeliveryAttemptsExceeded"));
            }
            else if (now + delay > e.PublishTime + ttl)
            {
                giveUp.Add((e, "TimeToLiveExceeded"));
            }
            else
            {
                e.Due = now + delay;
                retry.Add(e);
                LocalEventGridLog.Retrying(_logger, 1, outcome, e.Attempts, delay.TotalMilliseconds);
            }
        }

        foreach (var group in giveUp.GroupBy(g => g.Reason))
        {
            await DeadLetterAsync([.. group.Select(g => g.Event)], group.Key, stoppingToken);
        }

        Requeue(retry);
    }

    private async Task<(int? Status, string Outcome, bool AckLost)> AttemptAsync(List<LocalEvent> batch, CancellationToken stoppingToken)
    {
        if (_faults.FailDelivery())
        {
            return (null, "fault injection: the delivery failed before reaching the endpoint", false);
        }

        Uri endpoint;
        try
        {
            endpoint = _target();
        }
        catch (InvalidOperationException e)
        {
            return (null, e.Message, false);
        }

        var schema = batch[0].Schema;
        try
        {
            if (await EnsureValidatedAsync(schema, endpoint, batch[0].Topic, stoppingToken) is { } failure)
            {
                return (failure.Status, $"validation handshake failed: {failure.Outcome}", false);
            }

            using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = Body(batch, schema) };
            request.Headers.Add("aeg-event-type", "Notification");
            request.Headers.Add("aeg-subscription-name", _options.SubscriptionName.ToUpperInvariant());
            request.Headers.Add("aeg-delivery-count", (batch.Max(e => e.Attempts) - 1).ToString(CultureInfo.InvariantCulture));
            if (schema == EventSchema.CloudEvents)
            {
                // CloudEvents webhook spec 4.1.2: after the handshake every delivery carries Origin = the handshake's origin.
                request.Headers.TryAddWithoutValidation("Origin", HandshakeOrigin);
            }

            if (schema == EventSchema.EventGrid)
            {
                request.Headers.Add("aeg-metadata-version", "1");
                if (batch.Count == 1 && batch[0].Json["dataVersion"]?.GetValue<string>() is { Length: > 0 } dataVersion)
                {
                    request.Headers.Add("aeg-data-version", dataVersion);
                }
            }

            using var response = await SendAsync(request, stoppingToken);
            var status = (int)response.StatusCode;
            var outcome = $"{status} {response.ReasonPhrase}";
            if (DeliveryClassifier.Classify(status) == DeliveryDecision.Delivered && _faults.LoseAck())
            {
                return (status, $"fault injection: the {status} answer was lost", true);
            }

            return (status, outcome, false);
        }
        catch (TimeoutException)
        {
            return (null, $"no answer within {_options.ResponseTimeout}", false);
        }
        catch (HttpRequestException e)
        {
            return (null, $"network error: {e.Message}", false);
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken stoppingToken)
    {
        using var timeout = new CancellationTokenSource(_options.ResponseTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, stoppingToken);
        try
        {
            var response = await _http.SendAsync(request, linked.Token);
            await response.Content.LoadIntoBufferAsync(linked.Token);
            return response;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !stoppingToken.IsCancellationRequested)
        {
            throw new TimeoutException();
        }
    }

    private HttpContent Body(List<LocalEvent> batch, EventSchema schema)
    {
        string json;
        string mediaType;
        if (schema == EventSchema.CloudEvents && batch.Count == 1)
        {
            json = batch[0].Json.ToJsonString();
            mediaType = EventGridMediaTypes.CloudEvent;
        }
        else
        {
            json = new JsonArray([.. batch.Select(e => (JsonNode)e.Json.DeepClone())]).ToJsonString();
            mediaType = schema == EventSchema.CloudEvents ? EventGridMediaTypes.CloudEventBatch : "application/json";
        }

        var content = new StringContent(json, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType) { CharSet = "utf-8" };
        return content;
    }

    /// <summary>Null once the endpoint has passed the handshake for <paramref name="schema"/>; otherwise why it failed.</summary>
    private async Task<(int? Status, string Outcome)?> EnsureValidatedAsync(EventSchema schema, Uri endpoint, string topic, CancellationToken stoppingToken)
    {
        lock (_gate)
        {
            if (_validated.Contains(schema))
            {
                return null;
            }
        }

        await _handshakeGate.WaitAsync(stoppingToken);
        try
        {
            lock (_gate)
            {
                if (_validated.Contains(schema))
                {
                    return null;
                }
            }

            var failure = schema == EventSchema.EventGrid
                ? await EventGridHandshakeAsync(endpoint, topic, stoppingToken)
                : await CloudEventsHandshakeAsync(endpoint, stoppingToken);
            if (failure is null)
            {
                lock (_gate)
                {
                    _validated.Add(schema);
                }

                _stats.OnHandshake();
                LocalEventGridLog.Validated(_logger, schema.ToString(), endpoint.GetLeftPart(UriPartial.Path));
            }

            return failure;
        }
        finally
        {
            _handshakeGate.Release();
        }
    }

    private async Task<(int? Status, string Outcome)?> EventGridHandshakeAsync(Uri endpoint, string topic, CancellationToken stoppingToken)
    {
        var code = Guid.NewGuid().ToString();
        var validationUrl = NewValidationUrl(endpoint, EventSchema.EventGrid);
        var validation = new JsonArray(new JsonObject
        {
            ["id"] = Guid.NewGuid().ToString(),
            ["topic"] = LocalTopicEndpoint.TopicResourceId(topic),
            ["subject"] = "",
            ["data"] = new JsonObject { ["validationCode"] = code, ["validationUrl"] = validationUrl },
            ["eventType"] = "Microsoft.EventGrid.SubscriptionValidationEvent",
            ["eventTime"] = _timeProvider.GetUtcNow().ToString("O", CultureInfo.InvariantCulture),
            ["metadataVersion"] = "1",
            ["dataVersion"] = "1",
        });
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new StringContent(validation.ToJsonString(), Encoding.UTF8, "application/json") };
        request.Headers.Add("aeg-event-type", "SubscriptionValidation");
        using var response = await SendAsync(request, stoppingToken);
        var status = (int)response.StatusCode;
        if (status != 200)
        {
            return (status, $"{status} {response.ReasonPhrase}");
        }

        try
        {
            using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync(stoppingToken));
            var echoed = answer.RootElement.EnumerateObject()
                .FirstOrDefault(p => string.Equals(p.Name, "validationResponse", StringComparison.OrdinalIgnoreCase)).Value;
            return echoed.ValueKind == JsonValueKind.String && echoed.GetString() == code ? null : (null, "the answer did not echo the validation code");
        }
        catch (JsonException)
        {
            return (null, "the answer was not JSON");
        }
    }

    private async Task<(int? Status, string Outcome)?> CloudEventsHandshakeAsync(Uri endpoint, CancellationToken stoppingToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, endpoint);
        request.Headers.Add(EventGridWebhook.RequestOriginHeader, HandshakeOrigin);
        request.Headers.Add(EventGridWebhook.RequestRateHeader, "120");
        request.Headers.TryAddWithoutValidation("WebHook-Request-Callback", NewValidationUrl(endpoint, EventSchema.CloudEvents));
        using var response = await SendAsync(request, stoppingToken);
        var status = (int)response.StatusCode;
        if (status != 200)
        {
            return (status, $"{status} {response.ReasonPhrase}");
        }

        var origin = response.Headers.TryGetValues(EventGridWebhook.AllowedOriginHeader, out var origins) ? origins.FirstOrDefault() : null;
        if (origin is not ("*" or HandshakeOrigin))
        {
            return (null, $"the answer did not allow origin {HandshakeOrigin}");
        }

        return response.Headers.Contains(EventGridWebhook.AllowedRateHeader) ? null : (null, "the answer had no WebHook-Allowed-Rate although a rate was requested");
    }

    private async Task DeadLetterAsync(List<LocalEvent> events, string reason, CancellationToken stoppingToken)
    {
        var now = _timeProvider.GetUtcNow();
        foreach (var group in events.GroupBy(e => e.Topic))
        {
            var documents = group.Select(e =>
            {
                var json = (JsonObject)e.Json.DeepClone();
                json["deadLetterReason"] = reason;
                json["deliveryAttempts"] = e.Attempts;
                json["lastDeliveryOutcome"] = e.LastOutcome;
                json["lastHttpStatusCode"] = e.LastStatusCode;
                json["publishTime"] = e.PublishTime.ToString("O", CultureInfo.InvariantCulture);
                json["lastDeliveryAttemptTime"] = e.LastAttemptTime?.ToString("O", CultureInfo.InvariantCulture);
                return json;
            }).ToList();
            try
            {
                await _deadLetters.WriteAsync(group.Key, documents, stoppingToken);
                _stats.OnSettled(0, documents.Count);
                LocalEventGridLog.DeadLettered(_logger, documents.Count, group.Key, reason, group.First().LastOutcome);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // Keep the events and try the dead-letter write again later: nothing is dropped silently.
                LocalEventGridLog.DeadLetterFailed(_logger, documents.Count, e);
                foreach (var ev in group)
                {
                    ev.DeadLetterReason = reason;
                    ev.Due = now + (TimeSpan.FromSeconds(30) * _options.TimeScale);
                }

                Requeue([.. group]);
            }
        }
    }

    private void Requeue(List<LocalEvent> events)
    {
        if (events.Count == 0)
        {
            return;
        }

        lock (_gate)
        {
            foreach (var e in events)
            {
                _waiting.Enqueue(e, e.Due);
            }
        }

        _wakeUp.Release();
    }

    public override void Dispose()
    {
        _wakeUp.Dispose();
        _slots.Dispose();
        _handshakeGate.Dispose();
        base.Dispose();
    }
}
