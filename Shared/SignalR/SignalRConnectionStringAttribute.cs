using System.ComponentModel.DataAnnotations;

namespace FunctionsDashboard.SignalR;

/// <summary>A value that is empty or a well-formed SignalR Service connection string; the message gives the parser's reason, never the key.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SignalRConnectionStringAttribute : ValidationAttribute
{
    /// <inheritdoc />
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext) =>
        value is not string { Length: > 0 } text || SignalRConnectionString.TryParse(text, out _, out var error)
            ? ValidationResult.Success
            : new ValidationResult($"{SignalROptions.ConnectionStringSetting} is malformed: {error}", [validationContext.MemberName ?? nameof(SignalROptions.ConnectionString)]);
}
