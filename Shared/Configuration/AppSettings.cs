using System.Collections;
using System.Reflection;
using FunctionsDashboard.Access;
using FunctionsDashboard.Connections;
using FunctionsDashboard.Diagnostics;
using FunctionsDashboard.EventLog;
using FunctionsDashboard.Health;
using FunctionsDashboard.Options;
using FunctionsDashboard.Relay;
using FunctionsDashboard.SignalR;
using FunctionsDashboard.Sse;

namespace FunctionsDashboard.Configuration;

/// <summary>
/// The app settings the function app reads, as they are written in Azure (environment variables, <c>__</c> between
/// sections). One list so that the Bicep template, the sample local settings and the README can be checked against it
/// (<c>Tests/Infra</c>). The settings of the options types are derived from the types themselves
/// (<see cref="OptionsSections"/>), so a new option is listed the moment it exists; a test holds
/// <see cref="OptionsSections"/> against every options type with a <c>SectionName</c>.
/// </summary>
/// <remarks>
/// The app runs on the Flex Consumption plan, where the worker runtime and its version (dotnet-isolated 10.0) are the
/// site's <c>functionAppConfig.runtime</c>, not app settings: <c>FUNCTIONS_WORKER_RUNTIME</c> and
/// <c>FUNCTIONS_EXTENSION_VERSION</c> are rejected there. Core Tools still reads <c>FUNCTIONS_WORKER_RUNTIME</c> from
/// <c>local.settings.json</c>.
/// </remarks>
public static class AppSettings
{
    /// <summary>Every options type bound from a configuration section, with its section.</summary>
    public static readonly IReadOnlyList<(Type Options, string Section)> OptionsSections =
    [
        (typeof(DashboardOptions), DashboardOptions.SectionName),
        (typeof(StartupOptions), StartupOptions.SectionName),
        (typeof(SignalROptions), SignalROptions.SectionName),
        (typeof(ConnectionRegistryOptions), ConnectionRegistryOptions.SectionName),
        (typeof(AccessOptions), AccessOptions.SectionName),
        (typeof(SseOptions), SseOptions.SectionName),
        (typeof(RelayOptions), RelayOptions.SectionName),
        (typeof(EventLogOptions), EventLogOptions.SectionName),
        (typeof(DiagnosticsOptions), DiagnosticsOptions.SectionName),
    ];

    /// <summary>Settings the app cannot start without in Azure (identity-based storage form shown; a connection string also works).</summary>
    public static readonly IReadOnlyList<string> RequiredInAzure =
    [
        "AzureWebJobsStorage__accountName",
        "AzureWebJobsStorage__credential",
        "AzureWebJobsStorage__clientId",
        SignalROptions.ConnectionStringSetting,
        "Relay__WebhookSecret",
        "SweepScheduleA",
        "SweepScheduleB",
    ];

    /// <summary>
    /// Settings with defaults: set them to change the behaviour. List entries are shown with index 0
    /// (<c>SignalR__AllowedOrigins__0</c>; <c>__1</c>, ... as well).
    /// </summary>
    public static readonly IReadOnlyList<string> Optional =
    [
        "AzureWebJobsStorage__blobServiceUri",
        "AzureWebJobsStorage__queueServiceUri",
        "AzureWebJobsStorage__tableServiceUri",
        "Storage__Prefix",
        .. OptionsSections.SelectMany(s => SettingsOf(s.Options, s.Section)).Where(name => !RequiredInAzure.Contains(name)),
    ];

    /// <summary>
    /// The app settings the configuration binder reads into <paramref name="options"/> under <paramref name="section"/>:
    /// one per public settable property, nested objects and list items below their property (list index 0).
    /// </summary>
    public static IEnumerable<string> SettingsOf(Type options, string section)
    {
        foreach (var property in options.GetProperties(BindingFlags.Public | BindingFlags.Instance).OrderBy(p => p.MetadataToken))
        {
            var name = $"{section}__{property.Name}";
            var type = property.PropertyType;
            if (IsScalar(type))
            {
                if (property.SetMethod is { IsPublic: true })
                {
                    yield return name;
                }
            }
            else if (type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type) && type.IsGenericType)
            {
                var item = type.GetGenericArguments()[0];
                var settings = IsScalar(item) ? [$"{name}__0"] : SettingsOf(item, $"{name}__0");
                foreach (var setting in settings)
                {
                    yield return setting;
                }
            }
            else if (type.IsClass && property.SetMethod is { IsPublic: true })
            {
                foreach (var setting in SettingsOf(type, name))
                {
                    yield return setting;
                }
            }
        }
    }

    private static bool IsScalar(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        return t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(TimeSpan) || t == typeof(Uri) || t == typeof(decimal) || t == typeof(DateTimeOffset);
    }
}
