using System.Text.Json;
using FunctionsDashboard.Connections;
using FunctionsDashboard.DevHost.Hosting;

namespace FunctionsDashboard.Tests.DevHost.Hosting;

/// <summary>Issue #16 item 5: DevHost requires the settings the Functions host requires; it fills in nothing the host would refuse.</summary>
public sealed class DevHostRequiredSettingsTests
{
    [Theory]
    [InlineData(SweepSchedules.SettingA, "SweepConnectionsA")]
    [InlineData(SweepSchedules.SettingB, "SweepConnectionsB")]
    public void UnsetSweepSchedule_StopsDevHostAtStartup_NamingTheSettingAndTheFunction(string setting, string function)
    {
        var error = Assert.Throws<InvalidOperationException>(() => DevHostApplication.Create(
            ["--urls", "http://127.0.0.1:0", "--DevHost:Root", RepoPaths.Root, "--DevHost:SettingsFile", "local.settings.sample.json"],
            builder => builder.Configuration[setting] = ""));

        Assert.Contains($"'{setting}'", error.Message, StringComparison.Ordinal);
        Assert.Contains(function, error.Message, StringComparison.Ordinal);
        Assert.Contains("local.settings.sample.json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SampleSettings_CarryTheSweepSchedules_TheAppDocuments()
    {
        using var sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "local.settings.sample.json")));
        var values = sample.RootElement.GetProperty("Values");

        Assert.Equal(SweepSchedules.DefaultA, values.GetProperty(SweepSchedules.SettingA).GetString());
        Assert.Equal(SweepSchedules.DefaultB, values.GetProperty(SweepSchedules.SettingB).GetString());
    }
}
