using System.Text;
using System.Text.Json;
using Azure.Messaging;
using Azure.Messaging.EventGrid;
using Azure.Messaging.EventGrid.SystemEvents;

namespace FunctionsDashboard.Relay;

/// <summary>
/// Reads Event Grid webhook bodies: EventGridSchema (always an array; a single object is accepted too) and CloudEvents 1.0
/// structured JSON (<c>application/cloudevents+json</c> single, <c>application/cloudevents-batch+json</c> or
/// <c>application/json</c> array). Parsing itself is Azure.Messaging.EventGrid's (<c>EventGridEvent.ParseMany</c>,
/// <c>CloudEvent.ParseMany</c>); this class picks the schema and maps both to <see cref="IncomingEvent"/>.
/// </summary>
internal static class EventGridParser
{
    public const int MaxIdLength = 4096;
    public const int MaxAttributeLength = 8192;

    private static readonly byte[] JsonNull = "null"u8.ToArray();

    public static ParsedWebhookBody Parse(ReadOnlyMemory<byte> body, string? contentType, string? aegEventType)
    {
        // JSON is UTF-8 (RFC 8259); JsonDocument decodes strings only when they are read, so check the bytes up front.
        if (!System.Text.Unicode.Utf8.IsValid(body.Span))
        {
            return new ParsedWebhookBody.Malformed("The body is not valid UTF-8.");
        }

        // One forward pass (no document) checks what the SDK's parse would not say in our words: valid JSON, its shape,
        // and per event whether it is a CloudEvent and carries data_base64. The SDK then parses the events once.
        BodyShape shape;
        try
        {
            shape = BodyShape.Read(body.Span);
        }
        catch (JsonException e)
        {
            // Our own words and the position, never the exception's text.
            return new ParsedWebhookBody.Malformed($"The body is not valid JSON (line {(e.LineNumber ?? 0) + 1}, byte {(e.BytePositionInLine ?? 0) + 1}).");
        }
        catch (InvalidOperationException)
        {
            // Comparing a property name that escapes a lone surrogate (\uD800) throws this rather than a JsonException.
            return new ParsedWebhookBody.Malformed("The body is not valid JSON (a property name escapes an unpaired surrogate).");
        }

        if (!shape.IsContainer)
        {
            return new ParsedWebhookBody.Malformed("The body must be a JSON array of events or a single event object.");
        }

        if (shape.Count == 0)
        {
            return new ParsedWebhookBody.Malformed("The batch holds no events.");
        }

        if (!shape.AllObjects)
        {
            return new ParsedWebhookBody.Malformed("Every event must be a JSON object.");
        }

        var isCloudEvents = EventGridMediaTypes.IsCloudEvents(contentType) || shape.FirstHasSpecVersion;
        var binary = BinaryData.FromBytes(body);
        try
        {
            return isCloudEvents
                ? ParseCloudEvents(binary, shape.Base64)
                : ParseEventGridEvents(binary, aegEventType);
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException or FormatException or KeyNotFoundException or OverflowException)
        {
            // The SDK's message is exception text: name the attribute when the SDK does, nothing more.
            var schema = isCloudEvents ? "CloudEvents 1.0" : "Event Grid schema";
            var attribute = e is ArgumentException { ParamName: { Length: > 0 and <= 64 } name } ? $" (attribute '{name}' is missing or invalid)" : " (a required attribute is missing or has the wrong type)";
            return new ParsedWebhookBody.Malformed($"The body is not a valid {schema} event or batch{attribute}.");
        }
    }

    private static ParsedWebhookBody ParseEventGridEvents(BinaryData body, string? aegEventType)
    {
        var events = EventGridEvent.ParseMany(body);
        var validation = events.FirstOrDefault(e => string.Equals(e.EventType, SystemEventNames.EventGridSubscriptionValidation, StringComparison.OrdinalIgnoreCase));
        var isHandshake = string.Equals(aegEventType, "SubscriptionValidation", StringComparison.OrdinalIgnoreCase);
        if (isHandshake || (validation is not null && events.Length == 1))
        {
            if (validation is not null && validation.TryGetSystemEventData(out var data) && data is SubscriptionValidationEventData { ValidationCode: { Length: > 0 } code })
            {
                return new ParsedWebhookBody.Validation(code);
            }

            return new ParsedWebhookBody.Malformed("A SubscriptionValidation call must carry one Microsoft.EventGrid.SubscriptionValidationEvent with data.validationCode.");
        }

        var items = new List<IncomingEvent>(events.Length);
        foreach (var e in events)
        {
            if (Check(e.Id, e.EventType, e.Topic, e.Subject) is { } problem)
            {
                return new ParsedWebhookBody.Malformed(problem);
            }

            items.Add(new IncomingEvent(
                e.Id,
                StreamName.From(e.Topic),
                e.EventType,
                e.Topic ?? "",
                e.Subject,
                e.EventTime,
                e.Data?.ToMemory() ?? JsonNull,
                DataIsBase64: false,
                EventSchema.EventGrid));
        }

        return new ParsedWebhookBody.Events(items, EventSchema.EventGrid);
    }

    private static ParsedWebhookBody ParseCloudEvents(BinaryData body, IReadOnlyList<bool> hasBase64)
    {
        var events = CloudEvent.ParseMany(body);
        var items = new List<IncomingEvent>(events.Length);
        for (var i = 0; i < events.Length; i++)
        {
            var e = events[i];
            if (Check(e.Id, e.Type, e.Source, e.Subject) is { } problem)
            {
                return new ParsedWebhookBody.Malformed(problem);
            }

            var isBase64 = i < hasBase64.Count && hasBase64[i];
            var data = e.Data is null
                ? JsonNull
                : isBase64
                    ? Encoding.UTF8.GetBytes(JsonSerializer.Serialize(Convert.ToBase64String(e.Data.ToMemory().Span)))
                    : e.Data.ToMemory();
            items.Add(new IncomingEvent(e.Id, StreamName.From(e.Source), e.Type, e.Source, e.Subject, e.Time, data, isBase64, EventSchema.CloudEvents)
            {
                // The distributed-tracing extension: a valid traceparent continues the publisher's trace (docs/observability.md).
                Traceparent = Observability.TraceContext.Valid(Extension(e, Observability.TraceContext.TraceparentAttribute)),
                Tracestate = Observability.TraceContext.Bounded(Extension(e, Observability.TraceContext.TracestateAttribute)),
            });
        }

        return new ParsedWebhookBody.Events(items, EventSchema.CloudEvents);
    }

    private static string? Extension(CloudEvent e, string name) =>
        e.ExtensionAttributes.TryGetValue(name, out var value) ? value as string : null;

    private static string? Check(string? id, string? type, string? source, string? subject)
    {
        if (string.IsNullOrEmpty(id))
        {
            return "Every event needs a non-empty id.";
        }

        if (id.Length > MaxIdLength)
        {
            return $"Event id is longer than {MaxIdLength} characters.";
        }

        if (string.IsNullOrEmpty(type))
        {
            return $"Event '{Shorten(id)}' has no type.";
        }

        if (type.Length > MaxAttributeLength || (source?.Length ?? 0) > MaxAttributeLength || (subject?.Length ?? 0) > MaxAttributeLength)
        {
            return $"Event '{Shorten(id)}' has a type, topic/source or subject longer than {MaxAttributeLength} characters.";
        }

        return null;
    }

    private static string Shorten(string text) => Hardening.LogValue.Bounded(text, 80);

    /// <summary>
    /// What one <see cref="Utf8JsonReader"/> pass over the body found: whether the root is an array or an object, how many
    /// events (1 for an object), whether each is an object, whether the first has <c>specversion</c>, and per event
    /// whether it has <c>data_base64</c>. Throws <see cref="JsonException"/> (with line and byte) when the body is not JSON.
    /// </summary>
    private readonly record struct BodyShape(bool IsContainer, int Count, bool AllObjects, bool FirstHasSpecVersion, List<bool> Base64)
    {
        public static BodyShape Read(ReadOnlySpan<byte> json)
        {
            var reader = new Utf8JsonReader(json, isFinalBlock: true, default);
            if (!reader.Read())
            {
                reader.Read(); // empty body: throws, as a document parse would
            }

            var base64 = new List<bool>();
            var allObjects = true;
            var firstHasSpecVersion = false;
            var isContainer = reader.TokenType is JsonTokenType.StartArray or JsonTokenType.StartObject;
            if (reader.TokenType == JsonTokenType.StartObject)
            {
                var (spec, data64) = ReadEvent(ref reader);
                firstHasSpecVersion = spec;
                base64.Add(data64);
            }
            else if (reader.TokenType == JsonTokenType.StartArray)
            {
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        var (spec, data64) = ReadEvent(ref reader);
                        firstHasSpecVersion |= base64.Count == 0 && spec;
                        base64.Add(data64);
                    }
                    else
                    {
                        allObjects = false;
                        base64.Add(false);
                        reader.Skip();
                    }
                }
            }

            while (reader.Read())
            {
                // Anything after the root is invalid: Read throws on it, as a document parse would.
            }

            return new BodyShape(isContainer, base64.Count, allObjects, firstHasSpecVersion, base64);
        }

        /// <summary>Reads one event object (the reader on its start), noting two of its top-level attributes.</summary>
        private static (bool SpecVersion, bool DataBase64) ReadEvent(ref Utf8JsonReader reader)
        {
            bool spec = false, data64 = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                spec |= reader.ValueTextEquals("specversion"u8);
                data64 |= reader.ValueTextEquals("data_base64"u8);
                reader.Read();
                reader.Skip();
            }

            return (spec, data64);
        }
    }
}
