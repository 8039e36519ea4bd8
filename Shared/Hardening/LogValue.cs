using System.Globalization;
using System.Text;

namespace FunctionsDashboard.Hardening;

/// <summary>
/// Makes a value that came from a request safe to put in a log message: at most <see cref="DefaultMaxLength"/>
/// characters (longer values keep their start and say how much was cut), and control, line-separator and bidi
/// characters escaped as <c>\uXXXX</c> so a value cannot forge a log line or hide text. Use it at every
/// <c>[LoggerMessage]</c> call site that logs a request value (ids, names, header values, reasons built from input).
/// Never pass secrets, whatever the bounding.
/// </summary>
public static class LogValue
{
    /// <summary>Default longest logged value, in characters (before escaping).</summary>
    public const int DefaultMaxLength = 128;

    /// <summary>What a null value logs as.</summary>
    public const string Null = "(null)";

    /// <summary>The bounded, escaped form of <paramref name="value"/>.</summary>
    public static string Bounded(string? value, int maxLength = DefaultMaxLength)
    {
        if (value is null)
        {
            return Null;
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 1);
        var cut = value.Length > maxLength;
        var kept = cut ? value.AsSpan(0, char.IsHighSurrogate(value[maxLength - 1]) ? maxLength - 1 : maxLength) : value.AsSpan();
        if (!cut && !NeedsEscape(kept))
        {
            return value;
        }

        var builder = new StringBuilder(kept.Length + 32);
        foreach (var c in kept)
        {
            if (IsUnsafe(c))
            {
                builder.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        if (cut)
        {
            builder.Append("…(+").Append((value.Length - kept.Length).ToString(CultureInfo.InvariantCulture)).Append(" chars)");
        }

        return builder.ToString();
    }

    private static bool NeedsEscape(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (IsUnsafe(c))
            {
                return true;
            }
        }

        return false;
    }

    // C0/C1 controls and DEL, line and paragraph separators, bidi embeddings/overrides/isolates, lone surrogates.
    private static bool IsUnsafe(char c) =>
        char.IsControl(c) || c is '\u2028' or '\u2029' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069') || char.IsSurrogate(c);
}
