using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FunctionsDashboard.Relay;

namespace FunctionsDashboard.DevHost.LocalEventGrid;

// The validation handshake of each schema before its first delivery, and the manual validation URL.
internal sealed partial class LocalEventGridDispatcher
{
    private readonly SemaphoreSlim _handshakeGate = new(1, 1);
    private readonly HashSet<EventSchema> _validated = [];
    private readonly Dictionary<string, (EventSchema Schema, DateTimeOffset Expires)> _validationCodes = new(StringComparer.Ordinal);

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
}
