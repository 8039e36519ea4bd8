using FunctionsDashboard.Relay;

namespace FunctionsDashboard.Access;

/// <summary>
/// A stream name or a prefix pattern: <c>orders</c> (that stream), <c>orders.*</c> (every stream starting with
/// <c>orders.</c>), <c>*</c> (every stream). A pattern's prefix uses the stream-name alphabet (<c>a-z 0-9 . _ -</c>).
/// </summary>
public readonly record struct StreamPattern
{
    /// <summary>Longest pattern text.</summary>
    public const int MaxLength = StreamName.MaxLength + 1;

    private StreamPattern(string text, bool isPrefix)
    {
        Text = text;
        IsPrefix = isPrefix;
    }

    /// <summary>Every stream.</summary>
    public static StreamPattern All { get; } = new("*", true);

    /// <summary>The pattern as written (<c>orders</c>, <c>orders.*</c>, <c>*</c>).</summary>
    public string Text { get; }

    /// <summary>True for a prefix pattern (ends in <c>*</c>).</summary>
    public bool IsPrefix { get; }

    /// <summary>The exact stream, or the prefix without the <c>*</c>.</summary>
    public string Prefix => IsPrefix ? Text[..^1] : Text;

    /// <summary>True when <paramref name="stream"/> is matched.</summary>
    public bool Matches(string stream) =>
        IsPrefix ? stream.StartsWith(Prefix, StringComparison.Ordinal) : string.Equals(stream, Text, StringComparison.Ordinal);

    /// <summary>True when every stream this pattern matches is also matched by <paramref name="other"/>.</summary>
    public bool IsWithin(StreamPattern other) =>
        other.IsPrefix ? Prefix.StartsWith(other.Prefix, StringComparison.Ordinal) : !IsPrefix && Text == other.Text;

    /// <summary>Parses a pattern; null when it is not one.</summary>
    public static StreamPattern? TryParse(string? text)
    {
        if (string.IsNullOrEmpty(text) || text.Length > MaxLength)
        {
            return null;
        }

        if (text == "*")
        {
            return All;
        }

        if (text.EndsWith('*'))
        {
            var prefix = text[..^1];
            return prefix.Length > 0 && prefix.All(IsNameChar) && !prefix.StartsWith('-') ? new StreamPattern(text, true) : null;
        }

        return StreamName.IsValid(text) ? new StreamPattern(text, false) : null;
    }

    /// <summary>Parses a pattern from trusted configuration; throws when it is not one.</summary>
    public static StreamPattern Parse(string text) =>
        TryParse(text) ?? throw new FormatException($"'{text}' is not a stream name or prefix pattern (such as orders.*).");

    /// <inheritdoc />
    public override string ToString() => Text;

    private static bool IsNameChar(char c) => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '.' or '_' or '-';
}
