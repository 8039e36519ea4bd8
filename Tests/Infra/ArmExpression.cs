using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace FunctionsDashboard.Tests.Infra;

/// <summary>
/// Reads the ARM expressions a Bicep snapshot leaves for values known only at deployment time
/// (<c>[format('https://{0}{1}', reference(...).defaultHostName, '/api/x')]</c>). Enough of the language for the checks
/// here: string literals, <c>format</c>, and everything else kept as an opaque «expression».
/// </summary>
internal static partial class ArmExpression
{
    /// <summary>
    /// A value as a reader would picture it: literals in place, runtime parts as «expression». A plain string (not an
    /// expression) is returned as is.
    /// </summary>
    public static string Render(string value)
    {
        if (value.Length < 2 || value[0] != '[' || value[^1] != ']' || value.StartsWith("[[", StringComparison.Ordinal))
        {
            return value;
        }

        return RenderExpression(value[1..^1]);
    }

    /// <summary>Splits a call's argument list at its top-level commas (quotes and brackets respected).</summary>
    public static IReadOnlyList<string> SplitArguments(string arguments)
    {
        var parts = new List<string>();
        var current = new StringBuilder();
        var depth = 0;
        var inString = false;
        for (var i = 0; i < arguments.Length; i++)
        {
            var c = arguments[i];
            if (inString)
            {
                current.Append(c);
                if (c == '\'')
                {
                    if (i + 1 < arguments.Length && arguments[i + 1] == '\'')
                    {
                        current.Append(arguments[++i]);
                    }
                    else
                    {
                        inString = false;
                    }
                }

                continue;
            }

            switch (c)
            {
                case '\'':
                    inString = true;
                    break;
                case '(' or '[':
                    depth++;
                    break;
                case ')' or ']':
                    depth--;
                    break;
                case ',' when depth == 0:
                    parts.Add(current.ToString().Trim());
                    current.Clear();
                    continue;
            }

            current.Append(c);
        }

        if (inString || depth != 0)
        {
            throw new FormatException($"Unbalanced ARM expression arguments: {arguments}");
        }

        parts.Add(current.ToString().Trim());
        return parts;
    }

    private static string RenderExpression(string expression)
    {
        if (Literal(expression) is { } literal)
        {
            return literal;
        }

        var call = Call().Match(expression);
        if (call.Success && call.Groups["name"].Value is "format" or "concat")
        {
            var arguments = SplitArguments(call.Groups["args"].Value);
            if (call.Groups["name"].Value == "concat")
            {
                return string.Concat(arguments.Select(RenderExpression));
            }

            var format = Literal(arguments[0]) ?? throw new FormatException($"format() without a literal format string: {expression}");
            return Placeholder().Replace(format, m => RenderExpression(arguments[int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) + 1]));
        }

        return "«" + expression + "»";
    }

    private static string? Literal(string argument) =>
        StringLiteral().IsMatch(argument) ? argument[1..^1].Replace("''", "'", StringComparison.Ordinal) : null;

    [GeneratedRegex(@"^'(?:[^']|'')*'$")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"^(?<name>[A-Za-z][A-Za-z0-9]*)\((?<args>.*)\)$", RegexOptions.Singleline)]
    private static partial Regex Call();

    [GeneratedRegex(@"\{(\d+)\}")]
    private static partial Regex Placeholder();
}
