using FunctionsDashboard.Relay;

namespace FunctionsDashboard.Tests.Relay;

/// <summary>The delivery settings added to <see cref="RelayOptions"/>: admin key and message budget, validated with their names.</summary>
public sealed class RelayDeliveryOptionsTests
{
    [Fact]
    public void Validate_Defaults_AdminKeyEmptyIsValid()
    {
        Assert.True(Validate(Valid()).Succeeded);
        Assert.Equal("", new RelayOptions().AdminKey);
    }

    [Fact]
    public void Validate_ShortAdminKey_FailsNamingTheSetting()
    {
        var options = Valid();
        options.AdminKey = "short";

        var result = Validate(options);

        Assert.True(result.Failed);
        Assert.Contains("Relay:AdminKey", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Relay__AdminKey", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.5, false)]
    [InlineData(1, true)]
    [InlineData(300, true)]
    [InlineData(301, false)]
    public void Validate_MessageBudget_OneSecondToFiveMinutes(double seconds, bool valid)
    {
        var options = Valid();
        options.Delivery.MessageBudget = TimeSpan.FromSeconds(seconds);

        var result = Validate(options);

        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains("Relay:Delivery:MessageBudget", result.FailureMessage, StringComparison.Ordinal);
        }
    }

    private static RelayOptions Valid() => new()
    {
        WebhookSecret = "secret",
        Delivery = new RelayDeliveryOptions { AttemptTimeout = TimeSpan.FromSeconds(10) },
    };

    private static Microsoft.Extensions.Options.ValidateOptionsResult Validate(RelayOptions options) =>
        new RelayOptionsValidator().Validate(null, options);
}
