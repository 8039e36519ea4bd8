using Azure.Data.Tables;
using Azure.Storage.Queues;
using FunctionsDashboard.Relay;
using FunctionsDashboard.Storage;

namespace FunctionsDashboard.Tests.Support;

/// <summary>Reads what the relay handed off.</summary>
internal static class RelayQueue
{
    /// <summary>Every message now on the queue (received and hidden for 5 min, so each is returned once).</summary>
    public static async Task<List<RelayDeliveryMessage>> DrainAsync(QueueClient queue)
    {
        var messages = new List<RelayDeliveryMessage>();
        while (true)
        {
            var batch = (await queue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(5))).Value;
            if (batch.Length == 0)
            {
                return messages;
            }

            messages.AddRange(batch.Select(m => RelayDeliveryMessage.Parse(m.Body.ToString())));
        }
    }

    /// <summary>
    /// The messages on the queue once the outbox of <paramref name="stream"/> is empty: the webhook answers at the commit
    /// and the hand-off follows beside the next commits, so the stream's head (its <c>Pending</c> ranges) says when every
    /// committed range is on the queue and its removal written. Then nothing more is sent for what was committed so far.
    /// </summary>
    public static async Task<List<RelayDeliveryMessage>> DrainWhenHandedOffAsync(DashboardStorage storage, string stream)
    {
        await Eventually.WaitAsync(() => OutboxAsync(storage, stream), pending => pending == "", TimeSpan.FromSeconds(30), $"the outbox of {stream} empty");
        return await DrainAsync(storage.Queue(RelayStorageNames.DeliveryQueue));
    }

    /// <summary>The outbox of <paramref name="stream"/> as stored on its head row.</summary>
    public static async Task<string?> OutboxAsync(DashboardStorage storage, string stream) =>
        (await HeadEntityAsync(storage, stream)).GetString("Pending");

    /// <summary>The stored head row of a stream: the directory says which day bucket holds it.</summary>
    public static async Task<TableEntity> HeadEntityAsync(DashboardStorage storage, string stream)
    {
        var directory = (await storage.Table(RelayStorageNames.StreamDirectoryTable).GetEntityAsync<TableEntity>("streams", stream)).Value;
        return (await storage.Table("evlog" + directory.GetString("Bucket")).GetEntityAsync<TableEntity>(stream, "head")).Value;
    }

    /// <summary>How often each seq of <paramref name="stream"/> was handed off.</summary>
    public static Dictionary<long, int> HandOffsPerSeq(IEnumerable<RelayDeliveryMessage> messages, string stream)
    {
        var counts = new Dictionary<long, int>();
        foreach (var m in messages.Where(m => m.Stream == stream))
        {
            for (var seq = m.FirstSeq; seq <= m.LastSeq; seq++)
            {
                counts[seq] = counts.GetValueOrDefault(seq) + 1;
            }
        }

        return counts;
    }
}
