using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace FunctionsDashboard.DevHost.LocalSignalR;

/// <summary>
/// The SignalR JSON hub protocol as the local Service speaks it: JSON records ended by 0x1E. Outgoing messages are
/// written by ASP.NET Core's own <see cref="JsonHubProtocol"/>; incoming frames are read here, without a binder, because
/// the Service does not know the app's methods: it forwards each invocation frame upstream exactly as the client sent it.
/// </summary>
internal static class HubFrames
{
    /// <summary>The record separator that ends every JSON hub-protocol message.</summary>
    public const byte RecordSeparator = 0x1E;

    /// <summary>The largest incoming message accepted (the REST body limit of the Service): 1 MB.</summary>
    public const int MaxMessageSize = 1024 * 1024;

    private static readonly JsonHubProtocol Protocol = new();

    /// <summary>The protocol name clients ask for in the handshake.</summary>
    public static string ProtocolName => Protocol.Name;

    /// <summary>Hub-protocol message types (the <c>type</c> field).</summary>
    public static class Types
    {
        public const int Invocation = 1;
        public const int StreamItem = 2;
        public const int Completion = 3;
        public const int StreamInvocation = 4;
        public const int CancelInvocation = 5;
        public const int Ping = 6;
        public const int Close = 7;
    }

    /// <summary>Takes the next complete record off <paramref name="buffer"/> (without its separator).</summary>
    public static bool TryReadRecord(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> record)
    {
        var end = buffer.PositionOf(RecordSeparator);
        if (end is null)
        {
            record = default;
            return false;
        }

        record = buffer.Slice(0, end.Value);
        buffer = buffer.Slice(buffer.GetPosition(1, end.Value));
        return true;
    }

    /// <summary>Reads the routing fields of an incoming message. Throws <see cref="InvalidDataException"/> when it is not a hub message.</summary>
    public static IncomingFrame ParseIncoming(ReadOnlySequence<byte> record)
    {
        var bytes = record.ToArray();
        try
        {
            using var document = JsonDocument.Parse(bytes);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type", out var type) || !type.TryGetInt32(out var typeValue))
            {
                throw new InvalidDataException("A hub message must be a JSON object with an integer 'type'.");
            }

            var invocationId = root.TryGetProperty("invocationId", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;
            var target = root.TryGetProperty("target", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            if (typeValue is Types.Invocation or Types.StreamInvocation && string.IsNullOrEmpty(target))
            {
                throw new InvalidDataException("An invocation message needs a 'target'.");
            }

            return new IncomingFrame(typeValue, invocationId, target, bytes);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException("A hub message is not valid JSON.", e);
        }
    }

    /// <summary>
    /// Reads the upstream's answer to a blocking invocation: a complete completion frame (<c>{"type":3,...}</c>) ended
    /// by the 0x1E record separator, which the official emulator requires too (it writes the answer to the client as is,
    /// and a client given a frame without 0x1E fails with "Message is incomplete"). Returns the completion to send to
    /// the caller under <paramref name="invocationId"/>; without the separator, an error completion that says so.
    /// </summary>
    public static CompletionMessage CompletionFromUpstream(string invocationId, ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty || body[^1] != RecordSeparator)
        {
            return CompletionMessage.WithError(invocationId, "Invocation failed, the upstream answer is not a complete hub-protocol frame: it does not end with the 0x1E record separator (Message is incomplete).");
        }

        body = body[..^1];

        try
        {
            using var document = JsonDocument.Parse(body.ToArray());
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("type", out var type) && type.TryGetInt32(out var typeValue) && typeValue == Types.Completion)
            {
                if (root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String)
                {
                    return CompletionMessage.WithError(invocationId, error.GetString());
                }

                return root.TryGetProperty("result", out var result)
                    ? CompletionMessage.WithResult(invocationId, result.Clone())
                    : CompletionMessage.Empty(invocationId);
            }
        }
        catch (JsonException)
        {
            // Falls through to the error below.
        }

        return CompletionMessage.WithError(invocationId, "Invocation failed, the upstream answer is not a hub-protocol completion message.");
    }

    /// <summary>The bytes of <paramref name="message"/>, separator included.</summary>
    public static ReadOnlyMemory<byte> Write(HubMessage message) => Protocol.GetMessageBytes(message);

    /// <summary>
    /// An invocation of <paramref name="target"/> whose <c>arguments</c> array is <paramref name="argumentsJson"/> as is (raw,
    /// valid JSON): the frame <see cref="JsonHubProtocol"/> writes, without parsing and writing the arguments again.
    /// </summary>
    public static ReadOnlyMemory<byte> Invocation(string target, ReadOnlySpan<byte> argumentsJson)
    {
        var buffer = new ArrayBufferWriter<byte>(argumentsJson.Length + (target.Length * 3) + 48);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("type", Types.Invocation);
            writer.WriteString("target", target);
            writer.WritePropertyName("arguments");
            writer.WriteRawValue(argumentsJson, skipInputValidation: true);
            writer.WriteEndObject();
        }

        buffer.GetSpan(1)[0] = RecordSeparator;
        buffer.Advance(1);
        return buffer.WrittenMemory;
    }

    /// <summary>A close message; <paramref name="error"/> null for a clean close.</summary>
    public static ReadOnlyMemory<byte> Close(string? error, bool allowReconnect) => Write(new CloseMessage(error, allowReconnect));

    /// <summary>A ping.</summary>
    public static ReadOnlyMemory<byte> Ping { get; } = Write(PingMessage.Instance);
}
