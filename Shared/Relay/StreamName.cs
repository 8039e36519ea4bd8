using System.Security.Cryptography;
using System.Text;

namespace FunctionsDashboard.Relay;

/// <summary>
/// The event-log stream an event belongs to, derived from its Event Grid <c>topic</c> or CloudEvent <c>source</c>.
/// The rule (stable: stored data depends on it):
/// <list type="number">
/// <item>An Azure resource id (<c>/subscriptions/.../providers/Microsoft.EventGrid/topics/orders</c>) is shortened to the
/// part after <c>/providers/</c> (<c>Microsoft.EventGrid/topics/orders</c>).</item>
/// <item>Lower-cased (invariant); every run of characters other than <c>a-z 0-9 . _ -</c> becomes one <c>-</c>;
/// leading and trailing <c>-</c> are dropped (<c>microsoft.eventgrid-topics-orders</c>).</item>
/// <item>Empty (or no topic/source) gives <see cref="Default"/>.</item>
/// <item>Longer than <see cref="MaxLength"/>: the first 183 characters (without a trailing <c>-</c>), <c>-</c>, and 16 hex digits of the SHA-256 of the
/// lower-cased input, so distinct long names stay distinct.</item>
/// </list>
/// The result is a valid Table PartitionKey and blob path segment. Topics that differ only in case or punctuation share a
/// stream (their events still get distinct, gap-free sequence numbers there).
/// </summary>
public static class StreamName
{
    /// <summary>The stream of events without a topic or source.</summary>
    public const string Default = "default";

    /// <summary>Longest stream name.</summary>
    public const int MaxLength = 200;

    /// <summary>Normalizes a topic or source into a stream name.</summary>
    public static string From(string? topicOrSource)
    {
        if (string.IsNullOrWhiteSpace(topicOrSource))
        {
            return Default;
        }

        var text = topicOrSource.Trim();
        if (text.StartsWith("/subscriptions/", StringComparison.OrdinalIgnoreCase))
        {
            var providers = text.LastIndexOf("/providers/", StringComparison.OrdinalIgnoreCase);
            if (providers >= 0 && providers + "/providers/".Length < text.Length)
            {
                text = text[(providers + "/providers/".Length)..];
            }
        }

        var builder = new StringBuilder(Math.Min(text.Length, 512));
        var lastWasDash = true; // drops leading dashes
        foreach (var c in text.ToLowerInvariant())
        {
            if (c is >= 'a' and <= 'z' or >= '0' and <= '9' or '.' or '_' or '-')
            {
                if (c == '-' && lastWasDash)
                {
                    continue;
                }

                builder.Append(c);
                lastWasDash = c == '-';
            }
            else if (!lastWasDash)
            {
                builder.Append('-');
                lastWasDash = true;
            }
        }

        var name = builder.ToString().TrimEnd('-');
        if (name.Length == 0)
        {
            return Default;
        }

        if (name.Length > MaxLength)
        {
            var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(topicOrSource.Trim().ToLowerInvariant())))[..16];
            name = $"{name[..(MaxLength - 17)].TrimEnd('-')}-{hash}"; // no "--" where the cut fell after a dash
        }

        return name;
    }

    /// <summary>True when <paramref name="name"/> is already a normalized stream name (what the read APIs accept).</summary>
    public static bool IsValid(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= MaxLength && From(name) == name;
}
