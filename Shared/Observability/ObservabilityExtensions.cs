using Azure.Core;
using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using FunctionsDashboard.EventLog;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Resources;

namespace FunctionsDashboard.Observability;

/// <summary>
/// Telemetry and logging, one registration for both hosts (the Functions worker and DevHost), see
/// docs/observability.md: (1) log levels come from <c>host.json</c> <c>logging.logLevel</c>, applied in the process
/// itself as the lowest-priority <c>Logging:LogLevel</c> settings, so the worker filters as the host does and DevHost as
/// the worker does (HTTP client and Polly traces at Warning, <see cref="QuietCategories"/>);
/// (2) with <see cref="OtlpEndpointSetting"/> set, traces, metrics and logs go to that OTLP collector (the standard
/// <c>OTEL_EXPORTER_OTLP_*</c> variables apply); (3) with <see cref="AppInsightsConnectionStringSetting"/> set, they go to
/// Application Insights (Azure Monitor exporter), with Entra ID (managed identity) when
/// <see cref="AppInsightsAuthenticationSetting"/> says <c>Authorization=AAD</c>. Logs exported this way leave the
/// process directly, so lines written outside function runs (startup steps, ready, background services) arrive too.
/// With neither set, no span is recorded and nothing is exported.
/// </summary>
public static class ObservabilityExtensions
{
    /// <summary>The standard OTLP endpoint variable (e.g. <c>http://localhost:4318</c>).</summary>
    public const string OtlpEndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>The App Insights connection string (set by Bicep from the deployed resource).</summary>
    public const string AppInsightsConnectionStringSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    /// <summary><c>Authorization=AAD</c> (system-assigned identity) or <c>Authorization=AAD;ClientId=…</c> (user-assigned).</summary>
    public const string AppInsightsAuthenticationSetting = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";

    /// <summary>The service name exporters report, unless <c>OTEL_SERVICE_NAME</c> says otherwise.</summary>
    public const string DefaultServiceName = "FunctionsDashboard";

    /// <summary>Categories kept at Warning whatever host.json says (per-request HTTP client and retry-library traces).</summary>
    public static readonly IReadOnlyDictionary<string, LogLevel> QuietCategories = new Dictionary<string, LogLevel>(StringComparer.Ordinal)
    {
        ["System.Net.Http.HttpClient"] = LogLevel.Warning,
        ["Polly"] = LogLevel.Warning,
        ["Microsoft.Extensions.Http"] = LogLevel.Warning,
        ["Azure.Core"] = LogLevel.Warning,
    };

    /// <summary>Adds logging levels from host.json, the backlog listener, and the exporters that are configured.</summary>
    public static TBuilder AddDashboardTelemetry<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        // Lowest priority: Logging:LogLevel:* from app settings, environment or the command line still win.
        configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = AsLoggingSettings(LoadHostJsonLevels(HostJsonCandidates(builder))) });
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IEventLogCommitListener, DeliveryBacklogListener>());

        var otlp = configuration[OtlpEndpointSetting];
        var appInsights = configuration[AppInsightsConnectionStringSetting];
        if (!IsExportConfigured(configuration))
        {
            return builder;
        }

        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(configuration["OTEL_SERVICE_NAME"] ?? DefaultServiceName, serviceInstanceId: Environment.MachineName))
            .WithTracing(t => t.AddSource(DashboardTelemetry.SourceName))
            .WithMetrics(m => m.AddMeter(DashboardMetrics.MeterName))
            .WithLogging();
        if (!string.IsNullOrWhiteSpace(otlp))
        {
            otel.UseOtlpExporter(); // OTEL_EXPORTER_OTLP_ENDPOINT / _PROTOCOL / _HEADERS from configuration
        }

        if (!string.IsNullOrWhiteSpace(appInsights))
        {
            var credential = AppInsightsCredential(configuration[AppInsightsAuthenticationSetting]);
            void Configure(AzureMonitorExporterOptions o)
            {
                o.ConnectionString = appInsights;
                o.Credential = credential;
            }

            otel.WithTracing(t => t.AddAzureMonitorTraceExporter(Configure))
                .WithMetrics(m => m.AddAzureMonitorMetricExporter(Configure))
                .WithLogging(l => l.AddAzureMonitorLogExporter(Configure));
        }

        return builder;
    }

    /// <summary>True when an exporter is configured (<see cref="OtlpEndpointSetting"/> or <see cref="AppInsightsConnectionStringSetting"/>).</summary>
    public static bool IsExportConfigured(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return !string.IsNullOrWhiteSpace(configuration[OtlpEndpointSetting]) || !string.IsNullOrWhiteSpace(configuration[AppInsightsConnectionStringSetting]);
    }

    /// <summary>
    /// The credential of <see cref="AppInsightsAuthenticationSetting"/>: managed identity (the user-assigned one when
    /// <c>ClientId=</c> is given), or null (the connection string's key) when it is not <c>Authorization=AAD</c>.
    /// </summary>
    public static TokenCredential? AppInsightsCredential(string? authentication)
    {
        if (string.IsNullOrWhiteSpace(authentication))
        {
            return null;
        }

        var parts = authentication.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.OrdinalIgnoreCase);
        if (!parts.TryGetValue("Authorization", out var kind) || !kind.Equals("AAD", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return parts.TryGetValue("ClientId", out var clientId) && clientId.Length > 0
            ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId))
            : new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned);
    }

    /// <summary>host.json <c>logging.logLevel</c> (<c>default</c> = every category), then <see cref="QuietCategories"/>.</summary>
    internal static IReadOnlyDictionary<string, LogLevel> LoadHostJsonLevels(IEnumerable<string> candidates)
    {
        var levels = new Dictionary<string, LogLevel>(StringComparer.OrdinalIgnoreCase);
        var path = candidates.FirstOrDefault(File.Exists);
        if (path is not null)
        {
            var hostJson = new ConfigurationBuilder().AddJsonFile(path, optional: true, reloadOnChange: false).Build();
            foreach (var entry in hostJson.GetSection("logging:logLevel").GetChildren())
            {
                if (Enum.TryParse<LogLevel>(entry.Value, ignoreCase: true, out var level))
                {
                    levels[entry.Key] = level;
                }
            }
        }

        foreach (var (category, level) in QuietCategories)
        {
            levels.TryAdd(category, level);
        }

        return levels;
    }

    /// <summary>The levels as <c>Logging:LogLevel:*</c> settings (host.json's <c>default</c> is <c>Default</c>).</summary>
    internal static Dictionary<string, string?> AsLoggingSettings(IReadOnlyDictionary<string, LogLevel> levels) =>
        levels.ToDictionary(
            l => $"Logging:LogLevel:{(l.Key.Equals("default", StringComparison.OrdinalIgnoreCase) ? "Default" : l.Key)}",
            l => (string?)l.Value.ToString(),
            StringComparer.OrdinalIgnoreCase);

    private static IEnumerable<string> HostJsonCandidates(IHostApplicationBuilder builder)
    {
        if (builder.Configuration["DevHost:Root"] is { Length: > 0 } root)
        {
            yield return Path.Combine(root, "host.json");
        }

        yield return Path.Combine(builder.Environment.ContentRootPath, "host.json");
        yield return Path.Combine(AppContext.BaseDirectory, "host.json");
    }
}
