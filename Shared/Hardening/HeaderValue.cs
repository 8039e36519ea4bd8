namespace FunctionsDashboard.Hardening;

/// <summary>
/// What may go back out in a response header. Kestrel (and HTTP itself) allow only visible ASCII and spaces in a
/// header value: echoing anything else throws while the response is written, so request values are checked here before
/// they are echoed, and refused or dropped when they fail.
/// </summary>
public static class HeaderValue
{
    /// <summary>Longest request value the app echoes into a response header.</summary>
    public const int MaxEchoLength = 2048;

    /// <summary>True when <paramref name="value"/> is non-empty, at most <paramref name="maxLength"/> long, and only visible ASCII or spaces (tabs not included).</summary>
    public static bool IsEchoable(string? value, int maxLength = MaxEchoLength)
    {
        if (string.IsNullOrEmpty(value) || value.Length > maxLength)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (c is < ' ' or > '~')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True when <paramref name="value"/> is an RFC 9110 token (a header or method name), at most <paramref name="maxLength"/> long.</summary>
    public static bool IsToken(ReadOnlySpan<char> value, int maxLength = 64)
    {
        if (value.IsEmpty || value.Length > maxLength)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~'))
            {
                return false;
            }
        }

        return true;
    }
}
