using System.Buffers;
using System.Net.ServerSentEvents;

namespace FunctionsDashboard.Sse;

/// <summary>
/// SSE frames as <see cref="SseFormatter"/> writes them (<c>event:</c> when typed, <c>data:</c>, <c>id:</c>, blank
/// line), formatted into a byte array so that one frame can be written to many responses.
/// </summary>
internal static class SseFrames
{
    /// <summary>The frame of one item: <paramref name="data"/> (UTF-8 JSON, one line) with <paramref name="id"/> and, unless null, <paramref name="eventType"/>.</summary>
    public static async Task<byte[]> FormatAsync(string? eventType, ReadOnlyMemory<byte> data, string id)
    {
        var item = new SseItem<ReadOnlyMemory<byte>>(data, eventType is null ? null : SafeLine(eventType)) { EventId = id };
        using var frame = new MemoryStream(data.Length + id.Length + (eventType?.Length ?? 0) + 32);
        await SseFormatter.WriteAsync(new One(item), frame, static (i, writer) => writer.Write(i.Data.Span), CancellationToken.None);
        return frame.ToArray();
    }

    // SSE fields are one line: a type with a line break would end the frame early.
    private static string SafeLine(string value) =>
        value.AsSpan().ContainsAny('\n', '\r') ? value.Replace('\n', ' ').Replace('\r', ' ') : value;

    /// <summary>A sequence of exactly one item, without the iterator machinery.</summary>
    private sealed class One(SseItem<ReadOnlyMemory<byte>> item) : IAsyncEnumerable<SseItem<ReadOnlyMemory<byte>>>, IAsyncEnumerator<SseItem<ReadOnlyMemory<byte>>>
    {
        private bool _taken;

        public SseItem<ReadOnlyMemory<byte>> Current => item;

        public IAsyncEnumerator<SseItem<ReadOnlyMemory<byte>>> GetAsyncEnumerator(CancellationToken cancellationToken = default) => this;

        public ValueTask<bool> MoveNextAsync()
        {
            var next = !_taken;
            _taken = true;
            return new ValueTask<bool>(next);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
