namespace FunctionsDashboard.SseBench;

/// <summary><c>--name value</c> pairs.</summary>
public sealed class CommandLine
{
    private readonly Dictionary<string, string> _values;

    private CommandLine(Dictionary<string, string> values) => _values = values;

    /// <summary>Parses <paramref name="args"/>; every option takes one value.</summary>
    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < args.Count; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Count)
            {
                throw new ArgumentException($"Expected '--name value', got '{args[i]}'.");
            }

            values[args[i][2..]] = args[++i];
        }

        return new CommandLine(values);
    }

    /// <summary>The value of <c>--<paramref name="name"/></c>.</summary>
    public string Required(string name) =>
        _values.TryGetValue(name, out var value) ? value : throw new ArgumentException($"Missing --{name}.");

    /// <summary>The value of <c>--<paramref name="name"/></c>, or <paramref name="fallback"/>.</summary>
    public string Optional(string name, string fallback) => _values.GetValueOrDefault(name, fallback);

    /// <summary>The value of <c>--<paramref name="name"/></c>, or null.</summary>
    public string? Optional(string name) => _values.GetValueOrDefault(name);
}
