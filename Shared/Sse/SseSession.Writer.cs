using System.Buffers;
using System.Text.Json;

namespace FunctionsDashboard.Sse;

public sealed partial class SseSession
{
    /// <summary>
    /// Writes frames to the response: buffered while more are at hand, then written and flushed together (one write of
    /// at most <see cref="FlushBytes"/>), so a response that wakes to several events pays one flush, not one per event.
    /// </summary>
    private sealed class Writer(Stream body, bool typed)
    {
        private const int FlushBytes = 32 * 1024;

        // One field, null while nothing waits to be written (an idle response keeps every byte it can).
        private Batch? _batch;

        public long Events { get; private set; }

        public bool Typed => typed;

        public async Task EventAsync(byte[] frame, CancellationToken token)
        {
            Events++;
            await AddAsync(frame, token);
        }

        public async Task ResetAsync(string cursor, string stream, string generation, long resumeAfter, CancellationToken token)
        {
            var json = JsonSerializer.SerializeToUtf8Bytes(new ResetNotice(stream, generation, resumeAfter), JsonSerializerOptions.Web);
            await AddAsync(await SseFrames.FormatAsync("reset", json, cursor), token);
        }

        /// <summary>Writes and flushes what is buffered.</summary>
        public async Task FlushAsync(CancellationToken token)
        {
            if (_batch is not { Frames.Count: > 0 } batch)
            {
                return;
            }

            var frames = batch.Frames;
            if (frames.Count == 1)
            {
                await body.WriteAsync(frames[0], token);
            }
            else
            {
                var buffer = ArrayPool<byte>.Shared.Rent(batch.Bytes);
                try
                {
                    var at = 0;
                    foreach (var frame in frames)
                    {
                        frame.CopyTo(buffer, at);
                        at += frame.Length;
                    }

                    await body.WriteAsync(buffer.AsMemory(0, at), token);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }

            // Kept for the next wake while events flow; a burst's long list is not kept by a response that then idles.
            if (frames.Count > 16)
            {
                _batch = null;
            }
            else
            {
                frames.Clear();
                batch.Bytes = 0;
            }

            await body.FlushAsync(token);
        }

        private async Task AddAsync(byte[] frame, CancellationToken token)
        {
            var batch = _batch ??= new Batch();
            batch.Frames.Add(frame);
            batch.Bytes += frame.Length;
            if (batch.Bytes >= FlushBytes)
            {
                await FlushAsync(token);
            }
        }

        private sealed class Batch
        {
            public List<byte[]> Frames { get; } = [];

            public int Bytes { get; set; }
        }
    }
}
