using Azure.Storage.Queues;
using FunctionsDashboard.Relay;

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
