using FunctionsDashboard.Options;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Tests.Options;

public sealed class DashboardOptionsTests
{
    [Fact]
    public void Defaults_AreTheOriginIncidentNumbers()
    {
        var options = new DashboardOptions();

        Assert.Equal(TimeSpan.FromSeconds(25), options.HeartbeatInterval);
        Assert.Equal(TimeSpan.FromSeconds(90), options.StaleTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), options.ConnectionTimeout);
    }

    [Fact]
    public void Bind_NoSettings_YieldsValidDefaults()
    {
        using var host = CreateHost([]);

        var options = host.Services.GetRequiredService<IOptions<DashboardOptions>>().Value;

        Assert.Equal(DashboardOptions.DefaultStaleTimeout, options.StaleTimeout);
    }

    [Fact]
    public void Bind_SettingsFromConfiguration_AreUsed()
    {
        using var host = CreateHost(new()
        {
            ["Dashboard:HeartbeatInterval"] = "00:00:05",
            ["Dashboard:StaleTimeout"] = "00:00:12",
            ["Dashboard:ConnectionTimeout"] = "00:00:02",
        });

        var options = host.Services.GetRequiredService<IOptions<DashboardOptions>>().Value;

        Assert.Equal(TimeSpan.FromSeconds(5), options.HeartbeatInterval);
        Assert.Equal(TimeSpan.FromSeconds(12), options.StaleTimeout);
        Assert.Equal(TimeSpan.FromSeconds(2), options.ConnectionTimeout);
    }

    [Theory]
    [InlineData("Dashboard:HeartbeatInterval", "-00:00:05", "Dashboard:HeartbeatInterval")]
    [InlineData("Dashboard:HeartbeatInterval", "00:00:00", "Dashboard:HeartbeatInterval")]
    [InlineData("Dashboard:StaleTimeout", "00:00:00", "Dashboard:StaleTimeout")]
    [InlineData("Dashboard:StaleTimeout", "00:00:40", "2 × Dashboard:HeartbeatInterval")]
    [InlineData("Dashboard:ConnectionTimeout", "-00:00:01", "Dashboard:ConnectionTimeout")]
    [InlineData("Dashboard:ConnectionTimeout", "01:00:00", "Dashboard:ConnectionTimeout")]
    public async Task StartAsync_BadValue_FailsNamingTheSetting(string key, string value, string expectedInMessage)
    {
        using var host = CreateHost(new() { [key] = value });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(expectedInMessage, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_MalformedValue_FailsNamingTheSetting()
    {
        using var host = CreateHost(new() { ["Dashboard:HeartbeatInterval"] = "every now and then" });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.Contains("Dashboard:HeartbeatInterval", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_NoStorage_FailsNamingAzureWebJobsStorage()
    {
        using var host = CreateHost([], storage: null);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("AzureWebJobsStorage", error.Message, StringComparison.Ordinal);
    }

    private static IHost CreateHost(Dictionary<string, string?> settings, string? storage = "UseDevelopmentStorage=true")
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        if (storage is not null)
        {
            settings["AzureWebJobsStorage"] = storage;
        }

        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddDashboardCore();
        return builder.Build();
    }
}
