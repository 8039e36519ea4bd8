using System.Security.Cryptography;
using System.Text;

namespace FunctionsDashboard.Relay;

/// <summary>Checks the shared secret a webhook caller presents, in constant time.</summary>
public static class WebhookSecret
{
    /// <summary>The header that may carry the secret (Event Grid delivery property), instead of the query parameter <c>code</c>.</summary>
    public const string HeaderName = "X-Dashboard-Webhook-Secret";

    /// <summary>The query parameter that may carry the secret.</summary>
    public const string QueryName = "code";

    /// <summary>
    /// True when one of the presented values equals <paramref name="expected"/>. Both sides are hashed first, so the time
    /// taken does not depend on where they differ nor on their lengths.
    /// </summary>
    public static bool Matches(string expected, params ReadOnlySpan<string?> presented)
    {
        var expectedHash = SHA256.HashData(Encoding.UTF8.GetBytes(expected));
        var match = false;
        foreach (var candidate in presented)
        {
            if (candidate is null)
            {
                continue;
            }

            // No early exit: every candidate is compared.
            match |= CryptographicOperations.FixedTimeEquals(expectedHash, SHA256.HashData(Encoding.UTF8.GetBytes(candidate)));
        }

        return match;
    }
}
