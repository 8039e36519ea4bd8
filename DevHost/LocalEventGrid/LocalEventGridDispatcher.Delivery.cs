using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using FunctionsDashboard.Relay;

namespace FunctionsDashboard.DevHost.LocalEventGrid;

// One delivery attempt of a batch (real HTTP, the answer timeout), its retry or dead-letter decision, and the dead-letter write.
internal sealed partial class LocalEventGridDispatcher
{
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
}
