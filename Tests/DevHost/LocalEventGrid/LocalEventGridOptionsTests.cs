using FunctionsDashboard.DevHost.LocalEventGrid;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Tests.DevHost.LocalEventGrid;

/// <summary>The local Event Grid's settings as DevHost registers them: bound from <c>LocalEventGrid</c>, checked at startup.</summary>
public sealed class LocalEventGridOptionsTests
{
    [Fact]
    public void Resolve_NoSettings_YieldsEventGridDefaults()
    {
        var options = Resolve([]);

        Assert.Equal(1, options.MaxEventsPerBatch);
        Assert.Equal(30, options.MaxDeliveryAttempts);
        Assert.Equal(TimeSpan.FromMinutes(1440), options.EventTimeToLive);
        Assert.Equal(1d, options.TimeScale);
    }

    [Fact]
    public void Resolve_SettingsAtTheLimits_AreUsed()
    {
        var options = Resolve(new()
        {
            ["LocalEventGrid:MaxEventsPerBatch"] = "5000",
            ["LocalEventGrid:EventTimeToLive"] = "00:01:00",
            ["LocalEventGrid:TimeScale"] = "0.001",
            ["LocalEventGrid:DeliveryUrl"] = "http://127.0.0.1:7071/api/eventgrid?code=x",
            ["LocalEventGrid:Faults:AckLossRate"] = "1",
        });

        Assert.Equal(5000, options.MaxEventsPerBatch);
        Assert.Equal(TimeSpan.FromMinutes(1), options.EventTimeToLive);
        Assert.Equal(0.001, options.TimeScale);
        Assert.Equal(1d, options.Faults.AckLossRate);
    }

    [Theory]
    [InlineData("LocalEventGrid:TopicKey", " ", "LocalEventGrid:TopicKey must not be empty (app setting LocalEventGrid__TopicKey).")]
    [InlineData("LocalEventGrid:DeliveryUrl", "not a url", "LocalEventGrid:DeliveryUrl must be an absolute http or https URL (app setting LocalEventGrid__DeliveryUrl).")]
    [InlineData("LocalEventGrid:DeliveryUrl", "ftp://127.0.0.1/x", "LocalEventGrid:DeliveryUrl must be an absolute http or https URL")]
    [InlineData("LocalEventGrid:MaxEventsPerBatch", "0", "LocalEventGrid:MaxEventsPerBatch must be between 1 and 5000 (app setting LocalEventGrid__MaxEventsPerBatch).")]
    [InlineData("LocalEventGrid:MaxEventsPerBatch", "5001", "LocalEventGrid:MaxEventsPerBatch must be between 1 and 5000")]
    [InlineData("LocalEventGrid:PreferredBatchSizeInKilobytes", "1025", "LocalEventGrid:PreferredBatchSizeInKilobytes must be between 1 and 1024")]
    [InlineData("LocalEventGrid:MaxDeliveryAttempts", "31", "LocalEventGrid:MaxDeliveryAttempts must be between 1 and 30")]
    [InlineData("LocalEventGrid:EventTimeToLive", "00:00:59", "LocalEventGrid:EventTimeToLive must be between 00:01:00 and 1.00:00:00")]
    [InlineData("LocalEventGrid:ResponseTimeout", "00:05:01", "LocalEventGrid:ResponseTimeout must be between 00:00:01 and 00:05:00")]
    [InlineData("LocalEventGrid:TimeScale", "0", "LocalEventGrid:TimeScale must be above 0 and at most 1 (app setting LocalEventGrid__TimeScale).")]
    [InlineData("LocalEventGrid:TimeScale", "1.5", "LocalEventGrid:TimeScale must be above 0 and at most 1")]
    [InlineData("LocalEventGrid:MaxConcurrentDeliveries", "257", "LocalEventGrid:MaxConcurrentDeliveries must be between 1 and 256")]
    [InlineData("LocalEventGrid:Faults:AckLossRate", "-0.1", "LocalEventGrid:Faults:AckLossRate must be between 0 and 1 (app setting LocalEventGrid__Faults__AckLossRate).")]
    [InlineData("LocalEventGrid:Faults:DeliveryFailureRate", "NaN", "LocalEventGrid:Faults:DeliveryFailureRate must be between 0 and 1")]
    public void Resolve_BadValue_FailsNamingTheSetting(string key, string value, string expected)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Resolve(new() { [key] = value }));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    private static LocalEventGridOptions Resolve(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddLocalEventGrid("api");
        using var provider = builder.Services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<LocalEventGridOptions>>().Value;
    }
}
