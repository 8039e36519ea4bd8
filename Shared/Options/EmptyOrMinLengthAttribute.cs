using System.ComponentModel.DataAnnotations;

namespace FunctionsDashboard.Options;

/// <summary>
/// A string that is empty (the feature it keys is off, or the key is derived) or at least <see cref="Length"/> characters
/// long. <see cref="MinLengthAttribute"/> would reject the empty default. The message never echoes the value.
/// </summary>
/// <param name="length">The least length of a value that is set.</param>
[AttributeUsage(AttributeTargets.Property)]
public sealed class EmptyOrMinLengthAttribute(int length) : ValidationAttribute
{
    /// <summary>The least length of a value that is set.</summary>
    public int Length { get; } = length;

    /// <inheritdoc />
    public override bool IsValid(object? value) => value is not string { Length: > 0 } text || text.Length >= Length;
}
