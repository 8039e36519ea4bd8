using System.Net;
using System.Text;
using System.Text.Json;

namespace FunctionsDashboard.Tests.Support;

/// <summary>Posts CloudEvents to the app's Event Grid webhook as Event Grid would (with the local dev secret).</summary>
public static class EventPoster
{
    public const string Secret = "local-dev-secret";

    /// <summary>Posts one batch of CloudEvents with source <paramref name="source"/> (its stream is the source's name).</summary>
    public static async Task PostAsync(HttpClient client, string source, IEnumerable<string> ids, string type = "ops.metric")
    {
        var batch = ids.Select(id => new Dictionary<string, object?>
        {
            ["specversion"] = "1.0",
            ["id"] = id,
            ["source"] = source,
            ["type"] = type,
            ["subject"] = "tests",
            ["time"] = "2026-11-25T12:00:00Z",
            ["datacontenttype"] = "application/json",
            ["data"] = new { value = id },
        });
        using var content = new StringContent(JsonSerializer.Serialize(batch), Encoding.UTF8, "application/cloudevents-batch+json");
        using var response = await client.PostAsync($"/api/eventgrid?code={Secret}", content);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"webhook answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }
}
