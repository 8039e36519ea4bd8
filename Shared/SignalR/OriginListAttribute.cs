using System.ComponentModel.DataAnnotations;

namespace FunctionsDashboard.SignalR;

/// <summary>
/// A list of browser origins for CORS: each entry is <c>*</c> or an origin such as <c>https://ops.example.com</c>
/// (scheme, host, optional port; no path, query or trailing slash).
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class OriginListAttribute : ValidationAttribute
{
    /// <inheritdoc />
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        foreach (var origin in value as IEnumerable<string> ?? [])
        {
            if (origin != "*" && (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.AbsolutePath != "/" || !string.IsNullOrEmpty(uri.Query) || origin.EndsWith('/')))
            {
                return new ValidationResult(
                    $"SignalR:AllowedOrigins entry '{origin}' must be '*' or an origin like https://ops.example.com (scheme, host, optional port; no path).",
                    [validationContext.MemberName ?? "AllowedOrigins"]);
            }
        }

        return ValidationResult.Success;
    }
}
