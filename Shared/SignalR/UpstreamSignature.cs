using System.Security.Cryptography;
using System.Text;

namespace FunctionsDashboard.SignalR;

/// <summary>
/// The <c>X-ASRS-Signature</c> of upstream requests: <c>sha256=</c> + hex HMAC-SHA256 of the connection id keyed by
/// the UTF-8 access key, one value per key (primary, secondary) joined by <c>,</c>. Compared in constant time.
/// </summary>
public static class UpstreamSignature
{
    private const string Prefix = "sha256=";

    /// <summary>The header value for <paramref name="connectionId"/> signed with each key.</summary>
    public static string Compute(string connectionId, IEnumerable<string> accessKeys) =>
        string.Join(",", accessKeys.Select(k => Prefix + Convert.ToHexString(Hash(k, connectionId))));

    /// <summary>True when any value of <paramref name="header"/> matches any of <paramref name="accessKeys"/> (hex case-insensitive).</summary>
    public static bool IsValid(string? connectionId, string? header, IEnumerable<string> accessKeys)
    {
        if (string.IsNullOrEmpty(connectionId) || string.IsNullOrEmpty(header))
        {
            return false;
        }

        var expected = accessKeys.Select(k => Hash(k, connectionId)).ToList();
        var valid = false;
        foreach (var value in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!value.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) || !TryHex(value[Prefix.Length..], out var given))
            {
                continue;
            }

            foreach (var hash in expected)
            {
                // Constant time per comparison; keep checking so timing does not reveal which value matched.
                valid |= CryptographicOperations.FixedTimeEquals(hash, given);
            }
        }

        return valid;
    }

    private static byte[] Hash(string accessKey, string connectionId) =>
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(accessKey), Encoding.UTF8.GetBytes(connectionId));

    private static bool TryHex(string hex, out byte[] bytes)
    {
        try
        {
            bytes = Convert.FromHexString(hex);
            return true;
        }
        catch (FormatException)
        {
            bytes = [];
            return false;
        }
    }
}
