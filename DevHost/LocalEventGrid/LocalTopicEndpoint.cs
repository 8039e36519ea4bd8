using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Azure.Messaging;
using Azure.Messaging.EventGrid;
using FunctionsDashboard.Relay;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.DevHost.LocalEventGrid;

/// <summary>
/// The local topic endpoint <c>POST /localeventgrid/topics/{topic}/api/events</c>, the shape the real
/// <c>EventGridPublisherClient</c> posts to (<c>aeg-sas-key</c> header; Event Grid schema as <c>application/json</c>,
/// CloudEvents as <c>application/cloudevents-batch+json</c>). Any topic name is a topic.
/// </summary>
internal static partial class LocalTopicEndpoint
{
    public const string Route = "/localeventgrid/topics/{topic}/api/events";

    /// <summary>Event Grid's publish limit per request (<see cref="EventGridLimits.MaxPublishBytes"/>).</summary>
    public const int MaxPublishBytes = EventGridLimits.MaxPublishBytes;

    /// <summary>The Azure resource id the local topic stands for (what Event Grid writes into <c>topic</c>).</summary>
    public static string TopicResourceId(string topic) =>
        $"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/local/providers/Microsoft.EventGrid/topics/{topic}";

    public static async Task<Results<Ok, ProblemHttpResult>> PublishAsync(
        string topic,
        HttpRequest request,
        LocalEventGridDispatcher dispatcher,
        IOptions<LocalEventGridOptions> options,
        TimeProvider timeProvider,
        CancellationToken cancellationToken)
    {
        if (!TopicName().IsMatch(topic))
        {
            return Problem(400, "Bad topic name", "A topic name is 3 to 50 letters, digits and hyphens.");
        }

        if (!WebhookSecret.Matches(options.Value.TopicKey, request.Headers["aeg-sas-key"].FirstOrDefault()))
        {
            return Problem(401, "Unauthorized", "Send the topic key (LocalEventGrid:TopicKey) in the aeg-sas-key header.");
        }

        var body = await BoundedBody.ReadAsync(request.Body, request.ContentLength, MaxPublishBytes, cancellationToken);
        if (body is null)
        {
            return Problem(413, "Payload too large", $"A publish request may carry at most {MaxPublishBytes} bytes.");
        }

        var isCloudEvents = EventGridMediaTypes.IsCloudEvents(request.ContentType);
        var accepted = options.Value.Schema;
        if ((isCloudEvents && accepted == LocalEventGridSchema.EventGridSchema) || (!isCloudEvents && accepted == LocalEventGridSchema.CloudEventSchemaV1_0))
        {
            return Problem(400, "Wrong schema", $"This topic accepts {accepted} events (LocalEventGrid:Schema).");
        }

        List<(string Id, JsonObject Json)> parsed;
        try
        {
            parsed = isCloudEvents ? ParseCloudEvents(body) : ParseEventGridEvents(body, topic);
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException or FormatException or KeyNotFoundException)
        {
            return Problem(400, "Malformed events", e.Message.Split('\n')[0]);
        }

        var now = timeProvider.GetUtcNow();
        var schema = isCloudEvents ? EventSchema.CloudEvents : EventSchema.EventGrid;
        dispatcher.Publish([.. parsed.Select(p => new LocalEvent(p.Id, topic, schema, p.Json, Encoding.UTF8.GetByteCount(p.Json.ToJsonString()), now))]);
        return TypedResults.Ok();
    }

    private static List<(string Id, JsonObject Json)> ParseEventGridEvents(byte[] body, string topic)
    {
        var events = EventGridEvent.ParseMany(BinaryData.FromBytes(body)); // validates: throws on missing required properties
        var nodes = Elements(body);
        if (events.Length == 0 || nodes.Count != events.Length)
        {
            throw new FormatException("Publish a JSON array of one or more events.");
        }

        return [.. events.Select((e, i) =>
        {
            var json = nodes[i];
            json["topic"] ??= TopicResourceId(topic);
            json["metadataVersion"] ??= "1";
            return (e.Id, json);
        })];
    }

    private static List<(string Id, JsonObject Json)> ParseCloudEvents(byte[] body)
    {
        var events = CloudEvent.ParseMany(BinaryData.FromBytes(body));
        var nodes = Elements(body);
        if (events.Length == 0 || nodes.Count != events.Length)
        {
            throw new FormatException("Publish one or more CloudEvents.");
        }

        return [.. events.Select((e, i) => (e.Id, nodes[i]))];
    }

    private static List<JsonObject> Elements(byte[] body) => JsonNode.Parse(body) switch
    {
        JsonArray array => [.. array.Select(n => n as JsonObject ?? throw new FormatException("Every event must be a JSON object.")).Select(o => (JsonObject)o.DeepClone())],
        JsonObject single => [single],
        _ => throw new FormatException("Publish a JSON array of events."),
    };

    private static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(title: title, detail: detail, statusCode: status);

    [GeneratedRegex("^[A-Za-z0-9-]{3,50}$")]
    private static partial Regex TopicName();
}
