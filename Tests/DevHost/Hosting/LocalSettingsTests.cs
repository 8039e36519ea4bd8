using FunctionsDashboard.DevHost.Hosting;

namespace FunctionsDashboard.Tests.DevHost.Hosting;

public sealed class LocalSettingsTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("fd-settings-");

    [Fact]
    public void Load_ReadsRoutePrefixAndValues_MappingDoubleUnderscoreToSections()
    {
        Write("host.json", """{ "version": "2.0", "extensions": { "http": { "routePrefix": "/v2/" } } }""");
        Write("local.settings.json", """{ "IsEncrypted": false, "Values": { "AzureWebJobsStorage": "UseDevelopmentStorage=true", "Dashboard__StaleTimeout": "00:02:00" } }""");

        var settings = LocalSettings.Load(_dir.FullName);

        Assert.Equal("v2", settings.RoutePrefix);
        Assert.Equal("UseDevelopmentStorage=true", settings.Values["AzureWebJobsStorage"]);
        Assert.Equal("00:02:00", settings.Values["Dashboard:StaleTimeout"]);
    }

    [Fact]
    public void Load_NoLocalSettings_FallsBackToTheSample()
    {
        Write("host.json", """{ "version": "2.0" }""");
        Write("local.settings.sample.json", """{ "Values": { "Dashboard__HeartbeatInterval": "00:00:20" } }""");

        var settings = LocalSettings.Load(_dir.FullName);

        Assert.Equal("api", settings.RoutePrefix);
        Assert.EndsWith("local.settings.sample.json", settings.SettingsFile, StringComparison.Ordinal);
        Assert.Equal("00:00:20", settings.Values["Dashboard:HeartbeatInterval"]);
    }

    [Fact]
    public void Load_LocalSettingsPresent_WinsOverTheSample()
    {
        Write("host.json", """{ "version": "2.0", "extensions": { "http": { "routePrefix": "" } } }""");
        Write("local.settings.sample.json", """{ "Values": { "A": "sample" } }""");
        Write("local.settings.json", """{ "Values": { "A": "mine" } }""");

        var settings = LocalSettings.Load(_dir.FullName);

        Assert.Equal("", settings.RoutePrefix);
        Assert.Equal("mine", settings.Values["A"]);
    }

    [Fact]
    public void Load_NoHostJson_FailsWithAClearMessage()
    {
        var error = Assert.Throws<InvalidOperationException>(() => LocalSettings.Load(_dir.FullName));

        Assert.Contains("host.json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RepositoryHostJson_HasTheApiRoutePrefix()
    {
        var settings = LocalSettings.Load(RepoPaths.Root);

        Assert.Equal("api", settings.RoutePrefix);
    }

    public void Dispose() => _dir.Delete(recursive: true);

    private void Write(string name, string content) => File.WriteAllText(Path.Combine(_dir.FullName, name), content);
}
