using FunctionsDashboard.Options;
using FunctionsDashboard.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace FunctionsDashboard.Diagnostics;

/// <summary>Registers the self-check behind <c>GET /api/diagnostics</c> and the activity hooks it reads.</summary>
public static class DiagnosticsExtensions
{
    /// <summary>Adds the self-check, its checks (in report order) and <see cref="DiagnosticsActivity"/>.</summary>
    public static TBuilder AddDiagnostics<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        var services = builder.Services;
        services.AddValidatedOptions<DiagnosticsOptions, DiagnosticsOptionsValidator>(DiagnosticsOptions.SectionName);
        services.AddStorageResource(StorageResourceKind.Table, DiagnosticsActivity.TableName);
        services.TryAddSingleton<DiagnosticsActivity>();
        services.TryAddTransient<SelfCheck>(); // transient, like its checks: SignalRKeyCheck holds a typed HttpClient
        services.TryAddEnumerable(ServiceDescriptor.Transient<IDiagnosticCheck, StorageCheck>());
        services.TryAddEnumerable(ServiceDescriptor.Transient<IDiagnosticCheck, SignalRKeyCheck>());
        services.TryAddEnumerable(ServiceDescriptor.Transient<IDiagnosticCheck, UpstreamArrivalCheck>());
        services.TryAddEnumerable(ServiceDescriptor.Transient<IDiagnosticCheck, EventGridCheck>());
        services.TryAddEnumerable(ServiceDescriptor.Transient<IDiagnosticCheck, ClockSkewCheck>());
        services.TryAddEnumerable(ServiceDescriptor.Transient<IDiagnosticCheck, SettingsCheck>());
        return builder;
    }
}
