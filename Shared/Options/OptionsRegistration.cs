using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Options;

/// <summary>
/// The one way options are registered. Each options type binds its section and is validated when the host starts, by:
/// <list type="bullet">
/// <item>its DataAnnotations (ranges, required values, patterns), checked by a validator the <c>[OptionsValidator]</c>
/// source generator writes (<c>XxxOptionsValidator</c>);</item>
/// <item>an <see cref="IValidateOptions{TOptions}"/> of its own only for rules that span fields (<c>XxxOptionsCrossFieldValidator</c>).</item>
/// </list>
/// No validator changes the options it checks: computed defaults and parsing go in an <see cref="IConfigureOptions{TOptions}"/>
/// (before binding, so configuration wins) or an <see cref="IPostConfigureOptions{TOptions}"/>. Every failure message names the
/// setting as configuration spells it (<c>Section:Name</c>) and as an app setting (<c>Section__Name</c>).
/// </summary>
public static class OptionsRegistration
{
    /// <summary>Binds <typeparamref name="TOptions"/> from <paramref name="sectionName"/> (none when null) and validates it with <typeparamref name="TValidator"/> at startup.</summary>
    public static OptionsBuilder<TOptions> AddValidatedOptions<TOptions, TValidator>(this IServiceCollection services, string? sectionName)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        var builder = services.AddOptions<TOptions>();
        if (sectionName is not null)
        {
            builder.BindConfiguration(sectionName);
        }

        builder.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
        return builder;
    }

    /// <summary>Adds a validator of a rule that spans fields of <typeparamref name="TOptions"/> (after <see cref="AddValidatedOptions{TOptions, TValidator}"/>).</summary>
    public static OptionsBuilder<TOptions> WithCrossFieldValidator<TOptions, TValidator>(this OptionsBuilder<TOptions> builder)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
        return builder;
    }
}
