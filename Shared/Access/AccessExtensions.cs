using FunctionsDashboard.Health;
using FunctionsDashboard.Options;
using FunctionsDashboard.Relay;
using FunctionsDashboard.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Access;

/// <summary>Registers the access rule, stream tokens and subscription groups.</summary>
public static class AccessExtensions
{
    /// <summary>Adds access: options validated at startup; the subscription groups replace the default audience.</summary>
    public static TBuilder AddStreamAccess<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        var services = builder.Services;
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<AccessOptions>, AccessOptionsSetup>());
        services.AddValidatedOptions<AccessOptions, AccessOptionsValidator>(AccessOptions.SectionName)
            .WithCrossFieldValidator<AccessOptions, AccessOptionsCrossFieldValidator>();
        services.TryAddSingleton<StreamSigningKey>();
        services.AddSingleton<IStartupStep, StreamSigningKeyStep>();
        services.TryAddSingleton<StreamTokens>();
        services.TryAddSingleton<BearerTokenValidator>();
        services.TryAddSingleton<StreamAccess>();
        services.TryAddSingleton<SubscriptionGroups>();
        services.TryAddSingleton<StreamPresence>();
        services.RemoveAll<IEventAudience>();
        services.AddSingleton<IEventAudience>(sp => sp.GetRequiredService<SubscriptionGroups>());
        services.AddStorageResource(StorageResourceKind.Table, SubscriptionGroups.TableName);
        return builder;
    }
}
