using System.Globalization;
using System.Text.Json.Nodes;
using FunctionsDashboard.Storage;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.DevHost.LocalEventGrid;

/// <summary>
/// Dead-letters to the Azurite blob container <see cref="LocalEventGridExtensions.DeadLetterContainer"/> as Event Grid does:
/// one JSON array per blob at <c>{topic}/{subscription}/{yyyy}/{MM}/{dd}/{HH}/{guid}.json</c>.
/// </summary>
internal sealed class BlobDeadLetterSink(DashboardStorage storage, IOptions<LocalEventGridOptions> options, TimeProvider timeProvider) : IDeadLetterSink
{
    public async Task WriteAsync(string topic, IReadOnlyList<JsonObject> events, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var name = string.Create(CultureInfo.InvariantCulture, $"{topic.ToUpperInvariant()}/{options.Value.SubscriptionName.ToUpperInvariant()}/{now:yyyy/MM/dd/HH}/{Guid.NewGuid()}.json");
        var array = new JsonArray([.. events.Select(e => (JsonNode)e.DeepClone())]);
        await storage.Container(LocalEventGridExtensions.DeadLetterContainer).GetBlobClient(name)
            .UploadAsync(BinaryData.FromString(array.ToJsonString()), overwrite: false, cancellationToken);
    }
}
