using System.ComponentModel.DataAnnotations;

namespace FunctionsDashboard.Options;

/// <summary>
/// <see cref="RangeAttribute"/> whose <see cref="ValidationAttribute.ErrorMessage"/> is kept: it names the setting as
/// configuration and app settings spell it. The <c>[OptionsValidator]</c> source generator swaps a plain
/// <see cref="RangeAttribute"/> for a copy of its own that drops <c>ErrorMessage</c>; a subclass is used as it is.
/// Limits of a <see cref="TimeSpan"/> range are parsed in the invariant culture (<c>d.hh:mm:ss.fff</c>).
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SettingRangeAttribute : RangeAttribute
{
    /// <summary>An <see cref="int"/> range, both ends included.</summary>
    /// <param name="minimum">The least allowed value.</param>
    /// <param name="maximum">The greatest allowed value.</param>
    public SettingRangeAttribute(int minimum, int maximum)
        : base(minimum, maximum)
    {
    }

    /// <summary>A <see cref="double"/> range, both ends included unless <see cref="RangeAttribute.MinimumIsExclusive"/> or <see cref="RangeAttribute.MaximumIsExclusive"/> says otherwise.</summary>
    /// <param name="minimum">The least allowed value.</param>
    /// <param name="maximum">The greatest allowed value.</param>
    public SettingRangeAttribute(double minimum, double maximum)
        : base(minimum, maximum)
    {
    }

    /// <summary>A range of <paramref name="type"/> (here: <see cref="TimeSpan"/>), both ends included.</summary>
    /// <param name="type">The type of the value and the limits.</param>
    /// <param name="minimum">The least allowed value, invariant culture.</param>
    /// <param name="maximum">The greatest allowed value, invariant culture.</param>
    public SettingRangeAttribute(Type type, string minimum, string maximum)
        : base(type, minimum, maximum)
    {
        ParseLimitsInInvariantCulture = true;
        ConvertValueInInvariantCulture = true;
    }
}
