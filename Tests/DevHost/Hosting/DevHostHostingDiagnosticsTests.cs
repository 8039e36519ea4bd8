using FunctionsDashboard.DevHost.Hosting;
using FunctionsDashboard.Observability;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FunctionsDashboard.Tests.DevHost.Hosting;

/// <summary>
/// ASP.NET Core starts a request Activity and logging scope whenever its hosting category is enabled: DevHost turns the
/// category off when no telemetry is exported (nobody reads them), keeps it when an exporter is configured, and a
/// setting of the category wins over both.
/// </summary>
public sealed class DevHostHostingDiagnosticsTests
{
    private const string Category = "Microsoft.AspNetCore.Hosting.Diagnostics";

    [Fact]
    public async Task WithoutExporter_HostingCategoryIsOff()
    {
        await using var app = Create();

        Assert.False(HostingLogger(app).IsEnabled(LogLevel.Critical));
    }

    [Fact]
    public async Task WithOtlpExporter_HostingCategoryStaysOn()
    {
        await using var app = Create($"--{ObservabilityExtensions.OtlpEndpointSetting}=http://127.0.0.1:4318");

        Assert.True(HostingLogger(app).IsEnabled(LogLevel.Warning));
        Assert.False(HostingLogger(app).IsEnabled(LogLevel.Information)); // Microsoft.AspNetCore stays at Warning
    }

    [Fact]
    public async Task ASettingOfTheCategory_Wins()
    {
        await using var app = Create($"--Logging:LogLevel:{Category}=Information");

        Assert.True(HostingLogger(app).IsEnabled(LogLevel.Information));
    }

    private static WebApplication Create(params string[] extra) =>
        DevHostApplication.Create(["--urls", "http://127.0.0.1:0", "--DevHost:Root", RepoPaths.Root, "--DevHost:SettingsFile", "local.settings.sample.json", .. extra]);

    private static ILogger HostingLogger(WebApplication app) =>
        app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(Category);
}
