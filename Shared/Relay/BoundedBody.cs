namespace FunctionsDashboard.Relay;

/// <summary>
/// Reads a request body into memory, refusing to read past a limit whatever Content-Length says: the one bounded reader
/// of the app (Event Grid webhook, SignalR upstream, DevHost's local topic).
/// </summary>
public static class BoundedBody
{
    /// <summary>The body, or null when it is longer than <paramref name="maxBytes"/> (checked against Content-Length first, then while reading).</summary>
    public static async Task<byte[]?> ReadAsync(Stream body, long? contentLength, int maxBytes, CancellationToken cancellationToken)
    {
        if (contentLength > maxBytes)
        {
            return null;
        }

        using var buffer = new MemoryStream(contentLength is > 0 ? (int)contentLength.Value : 16 * 1024);
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
