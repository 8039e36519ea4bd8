using System.ComponentModel.DataAnnotations;

namespace FunctionsDashboard.Options;

/// <summary>
/// A string that is empty (the URL is derived) or an absolute <c>http</c> or <c>https</c> URL. The names in
/// <see cref="Placeholders"/> may appear in braces (<c>{hub}</c>): they are replaced at run time, so they are read as a
/// plain word here. The message never echoes the value.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class HttpUrlAttribute : ValidationAttribute
{
    /// <summary>The placeholder names a URL template may carry, comma-separated (<c>hub,category,event</c>); empty: none.</summary>
    public string Placeholders { get; set; } = "";

    /// <inheritdoc />
    public override bool IsValid(object? value)
    {
        if (value is not string { Length: > 0 } text)
        {
            return true;
        }

        foreach (var name in Placeholders.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            text = text.Replace("{" + name + "}", "x", StringComparison.OrdinalIgnoreCase);
        }

        return Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);
    }
}
