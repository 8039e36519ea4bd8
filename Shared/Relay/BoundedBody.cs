using System.Buffers;

namespace FunctionsDashboard.Relay;

/// <summary>
/// Reads a request body into memory, refusing to read past a limit whatever Content-Length says: the one bounded reader
/// of the app (Event Grid webhook, SignalR upstream, DevHost's local topic, its local SignalR Service's REST API and its
/// reader of upstream answers).
/// </summary>
public static class BoundedBody
{
    private const int ChunkBytes = 16 * 1024;

    /// <summary>The body, or null when it is longer than <paramref name="maxBytes"/> (checked against Content-Length first, then while reading).</summary>
    public static async Task<byte[]?> ReadAsync(Stream body, long? contentLength, int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (contentLength > maxBytes)
        {
            return null;
        }

        if (contentLength is not { } declared || declared <= 0)
        {
            return await ReadUnknownLengthAsync(body, [], maxBytes, cancellationToken);
        }

        // The usual case: read straight into an array of the declared size (no chunk, no copy).
        var exact = new byte[declared];
        var filled = 0;
        int read;
        while (filled < exact.Length && (read = await body.ReadAsync(exact.AsMemory(filled), cancellationToken)) > 0)
        {
            filled += read;
        }

        if (filled < exact.Length)
        {
            return exact[..filled]; // shorter than declared (a server that does not enforce Content-Length)
        }

        // Longer than declared would be a broken server; keep the limit anyway.
        return await ReadUnknownLengthAsync(body, exact, maxBytes, cancellationToken);
    }

    /// <summary>Reads the rest of <paramref name="body"/> after <paramref name="start"/>, in pooled chunks, within the limit.</summary>
    private static async Task<byte[]?> ReadUnknownLengthAsync(Stream body, byte[] start, int maxBytes, CancellationToken cancellationToken)
    {
        var chunk = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            var read = await body.ReadAsync(chunk, cancellationToken);
            if (read == 0)
            {
                return start;
            }

            using var buffer = new MemoryStream(Math.Max(ChunkBytes, start.Length + read));
            buffer.Write(start);
            do
            {
                if (buffer.Length + read > maxBytes)
                {
                    return null;
                }

                buffer.Write(chunk, 0, read);
            }
            while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0);

            return buffer.ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }
}
