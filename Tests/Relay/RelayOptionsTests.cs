using FunctionsDashboard.Relay;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Tests.Relay;

public sealed class RelayOptionsTests
{
    [Fact]
    public void Defaults_AreTheDocumentedNumbers()
    {
        var options = new RelayOptions();

        Assert.Equal(EventGridLimits.MaxDeliveryBytes, options.MaxBodyBytes);
        Assert.Equal(TimeSpan.FromSeconds(4), options.AckTimeout);
        Assert.Equal(3, options.AppendRetries);
        Assert.Equal(10, options.Delivery.MaxAttempts);
        Assert.Equal(TimeSpan.FromSeconds(2), options.Delivery.BaseDelay);
        Assert.Equal(TimeSpan.FromSeconds(30), options.Delivery.MaxDelay);
    }

    [Fact]
    public void Bind_NoDeliveryTimeout_FollowsDashboardConnectionTimeout()
    {
        using var host = CreateHost(new() { ["Dashboard:ConnectionTimeout"] = "00:00:07" });

        var options = host.Services.GetRequiredService<IOptions<RelayOptions>>().Value;

        Assert.Equal(TimeSpan.FromSeconds(7), options.Delivery.AttemptTimeout);
        Assert.Equal("test-secret", options.WebhookSecret);
    }

    [Fact]
    public void Bind_ExplicitDeliverySettings_Win()
    {
        using var host = CreateHost(new()
        {
            ["Relay:Delivery:AttemptTimeout"] = "00:00:03",
            ["Relay:Delivery:MaxAttempts"] = "4",
            ["Relay:AckTimeout"] = "00:00:02",
        });

        var options = host.Services.GetRequiredService<IOptions<RelayOptions>>().Value;

        Assert.Equal(TimeSpan.FromSeconds(3), options.Delivery.AttemptTimeout);
        Assert.Equal(4, options.Delivery.MaxAttempts);
        Assert.Equal(TimeSpan.FromSeconds(2), options.AckTimeout);
    }

    [Theory]
    [InlineData("Relay:WebhookSecret", "", "Relay:WebhookSecret is empty")]
    [InlineData("Relay:MaxBodyBytes", "4000000", "Relay:MaxBodyBytes")]
    [InlineData("Relay:AckTimeout", "00:00:30", "Relay:AckTimeout")]
    [InlineData("Relay:AppendRetries", "11", "Relay__AppendRetries")]
    [InlineData("Relay:PendingGrace", "00:00:02", "must be at least Relay:AckTimeout")]
    [InlineData("Relay:Delivery:MaxAttempts", "0", "Relay:Delivery:MaxAttempts")]
    [InlineData("Relay:Delivery:MaxDelay", "00:00:01", "must be at least Relay:Delivery:BaseDelay")]
    [InlineData("Relay:Delivery:AttemptTimeout", "00:05:00", "Relay__Delivery__AttemptTimeout")]
    [InlineData("EventLog:HandOffInterval", "00:00:06", "EventLog__HandOffInterval")]
    [InlineData("EventLog:Retention", "00:01:00", "EventLog__Retention")]
    public async Task StartAsync_BadValue_FailsNamingTheSetting(string key, string value, string expectedInMessage)
    {
        using var host = CreateHost(new() { [key] = value });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(expectedInMessage, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_EmptySecretButUnauthenticatedAllowed_IsValid()
    {
        var options = new RelayOptions { AllowUnauthenticated = true, Delivery = { AttemptTimeout = TimeSpan.FromSeconds(10) } };

        var ranges = new RelayOptionsValidator().Validate(null, options);
        var rules = new RelayOptionsCrossFieldValidator().Validate(null, options);

        Assert.True(ranges.Succeeded, ranges.FailureMessage);
        Assert.True(rules.Succeeded, rules.FailureMessage);
    }

    private static IHost CreateHost(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        var all = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
            ["Relay:WebhookSecret"] = "test-secret",
        };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(all);
        builder.AddDashboardCore();
        builder.AddEventGridRelay();
        return builder.Build();
    }
}
