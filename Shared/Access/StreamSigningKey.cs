using System.Security.Cryptography;
using System.Text;
using Azure;
using FunctionsDashboard.SignalR;
using FunctionsDashboard.Storage;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Access;

/// <summary>
/// The key that signs SSE cursors and stream tokens, the same on every instance: <see cref="AccessOptions.SigningKey"/>,
/// else derived from the SignalR access key, else generated once and kept in blob storage. Resolved by a startup step
/// (<see cref="StreamSigningKeyStep"/>) before the app is ready.
/// </summary>
public sealed class StreamSigningKey(IOptions<AccessOptions> options, IOptions<SignalROptions> signalR, DashboardStorage storage)
{
    /// <summary>The container of the generated key.</summary>
    public const string Container = "dashboard-keys";

    private const string BlobName = "stream-signing-key";
    private byte[]? _key;

    /// <summary>The key; throws before the startup step resolved it.</summary>
    public byte[] Bytes => _key ?? throw new InvalidOperationException("The stream signing key is not loaded yet (the app is starting).");

    /// <summary>True once loaded.</summary>
    public bool IsLoaded => _key is not null;

    /// <summary>A sub-key for one purpose (cursors, tokens), so one key never signs two kinds of data.</summary>
    public byte[] For(string purpose) => HMACSHA256.HashData(Bytes, Encoding.UTF8.GetBytes(purpose));

    /// <summary>Resolves the key.</summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        if (_key is not null)
        {
            return;
        }

        if (!string.IsNullOrEmpty(options.Value.SigningKey))
        {
            _key = SHA256.HashData(Encoding.UTF8.GetBytes(options.Value.SigningKey));
            return;
        }

        var accessKey = signalR.Value.ConnectionString is null ? null : TryAccessKey(signalR.Value);
        if (!string.IsNullOrEmpty(accessKey))
        {
            _key = HMACSHA256.HashData(Encoding.UTF8.GetBytes(accessKey), "functionsdashboard/stream-signing"u8);
            return;
        }

        var container = storage.Container(Container);
        await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        var blob = container.GetBlobClient(BlobName);
        try
        {
            var fresh = RandomNumberGenerator.GetBytes(32);
            await blob.UploadAsync(BinaryData.FromBytes(fresh), overwrite: false, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            // Another instance made it first: use that one.
        }

        var stored = await blob.DownloadContentAsync(cancellationToken);
        _key = stored.Value.Content.ToArray();
    }

    private static string? TryAccessKey(SignalROptions o)
    {
        try
        {
            return o.Connection.AccessKey;
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            return null;
        }
    }
}
