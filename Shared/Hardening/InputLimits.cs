namespace FunctionsDashboard.Hardening;

/// <summary>
/// The documented bounds of ids and names that come from requests, checked at the input boundary (before any of them
/// reaches storage as a key or a log line). A value past its bound is a 400, never a storage error. See docs/hardening.md.
/// </summary>
public static class InputLimits
{
    /// <summary>
    /// Longest SignalR connection id (<c>X-ASRS-Connection-Id</c>), visible ASCII only. The Service's ids are about 22
    /// characters (43 with a server-side suffix); 128 leaves room while keeping a registry row key far below Table
    /// storage's 1 KiB.
    /// </summary>
    public const int MaxConnectionIdLength = 128;

    /// <summary>Longest user id (<c>X-ASRS-User-Id</c>, the negotiated principal), no control characters.</summary>
    public const int MaxUserIdLength = 256;

    /// <summary>Longest hub name, category and event name of an upstream call (<c>X-ASRS-Hub</c>/<c>-Category</c>/<c>-Event</c>), visible ASCII.</summary>
    public const int MaxHubNameLength = 128;

    /// <summary>Longest <c>X-ASRS-User-Claims</c> header, in characters.</summary>
    public const int MaxClaimsHeaderLength = 8192;

    /// <summary>True when <paramref name="value"/> is 1..<paramref name="maxLength"/> visible ASCII characters (no spaces).</summary>
    public static bool IsVisibleAscii(string? value, int maxLength)
    {
        if (string.IsNullOrEmpty(value) || value.Length > maxLength)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (c is <= ' ' or > '~')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True when <paramref name="value"/> is 1..<paramref name="maxLength"/> characters with no control or unpaired surrogate characters.</summary>
    public static bool IsPrintable(string? value, int maxLength)
    {
        if (string.IsNullOrEmpty(value) || value.Length > maxLength)
        {
            return false;
        }

        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsControl(c))
            {
                return false;
            }

            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return false;
            }
        }

        return true;
    }
}
