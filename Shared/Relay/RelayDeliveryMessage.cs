using System.Text.Json;
using System.Text.Json.Serialization;

namespace FunctionsDashboard.Relay;

/// <summary>
/// The durable hand-off from the webhook to the delivery function: one Storage queue message (queue
/// <see cref="RelayStorageNames.DeliveryQueue"/>, Base64 as the Functions queue trigger expects) per committed range of
/// one stream. The events themselves stay in the event log (a queue message holds at most 64 KiB; an event up to 1 MiB):
/// the consumer reads them through <c>IEventLogReader</c>.
/// At least once: a range may be handed off again after a crash (see docs/relay.md), so consumers drop repeats by seq.
/// </summary>
/// <param name="V">Contract version; <see cref="CurrentVersion"/>.</param>
/// <param name="Stream">The stream.</param>
/// <param name="FirstSeq">First sequence number of the range.</param>
/// <param name="LastSeq">Last sequence number of the range (inclusive).</param>
/// <param name="Redrive">
/// True for a re-drive (<c>"redrive": true</c>, omitted otherwise): the events are sent again although the delivered
/// watermark is past them (they were dead-lettered).
/// </param>
public sealed record RelayDeliveryMessage(
    [property: JsonPropertyName("v")] int V,
    [property: JsonPropertyName("stream")] string Stream,
    [property: JsonPropertyName("firstSeq")] long FirstSeq,
    [property: JsonPropertyName("lastSeq")] long LastSeq,
    [property: JsonPropertyName("redrive"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool Redrive = false)
{
    /// <summary>The version this code writes and reads.</summary>
    public const int CurrentVersion = 1;

    /// <summary>Number of events in the range.</summary>
    [JsonIgnore]
    public long Count => LastSeq - FirstSeq + 1;

    /// <summary>A message for the range <paramref name="first"/>..<paramref name="last"/> of <paramref name="stream"/>.</summary>
    public static RelayDeliveryMessage For(string stream, long first, long last) => new(CurrentVersion, stream, first, last);

    /// <summary>A re-drive message for the dead-lettered range <paramref name="first"/>..<paramref name="last"/>.</summary>
    public static RelayDeliveryMessage ForRedrive(string stream, long first, long last) => new(CurrentVersion, stream, first, last, Redrive: true);

    /// <summary>The message as queue text (JSON; the queue client adds the Base64 encoding).</summary>
    public string ToJson() => JsonSerializer.Serialize(this);

    /// <summary>Reads a message; throws <see cref="FormatException"/> when it is not a valid one of this version.</summary>
    public static RelayDeliveryMessage Parse(string json)
    {
        RelayDeliveryMessage? message;
        try
        {
            message = JsonSerializer.Deserialize<RelayDeliveryMessage>(json);
        }
        catch (JsonException e)
        {
            throw new FormatException("Relay delivery message is not valid JSON.", e);
        }

        if (message is null || message.V != CurrentVersion || !StreamName.IsValid(message.Stream) || message.FirstSeq < 1 || message.LastSeq < message.FirstSeq)
        {
            throw new FormatException($"Relay delivery message is not a version {CurrentVersion} message with a valid stream and range.");
        }

        return message;
    }
}
