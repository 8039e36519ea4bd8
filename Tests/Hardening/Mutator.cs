using System.Text;

namespace FunctionsDashboard.Tests.Hardening;

/// <summary>Seeded byte- and string-level mutations of valid requests.</summary>
public sealed class Mutator(Random random)
{
    private static readonly byte[][] InvalidUtf8 =
    [
        [0xFF], [0xFE], [0xC3], [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0x80], [0xE2, 0x82],
    ];

    private static readonly string[] Tokens =
    [
        "{", "}", "[", "]", "\"", ",", ":", "null", "true", "-", "1e999999", "\\", "\\u", "\\ud800", "\u0000", "NaN", "\"\":", "//", "/*",
    ];

    private static readonly string[] Weird =
    [
        "\u00e9t\u00e9", "\u65e5\u672c", "\ud83d\ude00", "\u202e" + "evil", "\u2028", "a b", "\t", "%00", "..", "/", "\\", "'", "\"", "<script>", "${x}",
        "\u0130", "\ufeff", "\u200b",
    ];

    public Random Random => random;

    public int Next(int max) => random.Next(max);

    public T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];

    public bool Chance(double p) => random.NextDouble() < p;

    /// <summary>1–4 random byte edits: flip, insert, delete, duplicate a slice, or insert a JSON token.</summary>
    public byte[] MutateBytes(byte[] input)
    {
        var bytes = new List<byte>(input);
        var edits = 1 + random.Next(4);
        for (var i = 0; i < edits && bytes.Count > 0; i++)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(5))
            {
                case 0: bytes[at] ^= (byte)(1 << random.Next(8)); break;
                case 1: bytes.Insert(at, (byte)random.Next(256)); break;
                case 2: bytes.RemoveRange(at, Math.Min(1 + random.Next(8), bytes.Count - at)); break;
                case 3:
                    var length = Math.Min(1 + random.Next(32), bytes.Count - at);
                    bytes.InsertRange(at, bytes.GetRange(at, length));
                    break;
                default: bytes.InsertRange(at, Encoding.UTF8.GetBytes(Pick(Tokens))); break;
            }
        }

        return [.. bytes];
    }

    /// <summary>An invalid UTF-8 sequence inside the text, preferably inside a string value.</summary>
    public byte[] InjectInvalidUtf8(byte[] input)
    {
        var quotes = Enumerable.Range(0, input.Length).Where(i => input[i] == (byte)'"').ToList();
        var at = quotes.Count > 0 ? quotes[random.Next(quotes.Count)] + 1 : random.Next(input.Length + 1);
        return [.. input[..at], .. Pick(InvalidUtf8), .. input[at..]];
    }

    public byte[] Truncate(byte[] input) => input[..random.Next(input.Length)];

    /// <summary>A string of <paramref name="length"/> characters, ASCII or not.</summary>
    public string Long(int length, bool ascii = true)
    {
        if (ascii)
        {
            return new string((char)('a' + random.Next(26)), length);
        }

        var builder = new StringBuilder(length);
        while (builder.Length < length)
        {
            builder.Append(Pick(Weird));
        }

        return builder.ToString(0, length);
    }

    public string WeirdText() => Pick(Weird) + (Chance(0.5) ? Pick(Weird) : "");

    /// <summary>A header value that is not plain ASCII (valid UTF-8 on the wire), or very long, or oddly shaped.</summary>
    public string WeirdHeaderValue() => random.Next(6) switch
    {
        0 => "h\u00e9llo.example",
        1 => "\u65e5\u672c.example\u3002com",
        2 => Long(3000 + random.Next(3000)),
        3 => "a\tb",
        4 => "https://x.example/\ud83d\ude00",
        _ => Long(20 + random.Next(200), ascii: false),
    };
}
