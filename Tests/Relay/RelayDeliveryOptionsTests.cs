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

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    [InlineData(50, true)]
    [InlineData(100, true)]
    [InlineData(101, false)]
    public void Validate_MaxEventsPerMessage_OneToHundred(int max, bool valid)
    {
        var options = Valid();
        options.Delivery.MaxEventsPerMessage = max;

        var result = Validate(options);

        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains("Relay:Delivery:MaxEventsPerMessage", result.FailureMessage, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(-1, false)]
    [InlineData(0, true)]
    [InlineData(60, true)]
    [InlineData(61, false)]
    public void Validate_SafetyNetDelay_ZeroToOneMinute(double seconds, bool valid)
    {
        var options = Valid();
        options.Delivery.SafetyNetDelay = TimeSpan.FromSeconds(seconds);

        var result = Validate(options);

        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains("Relay:Delivery:SafetyNetDelay", result.FailureMessage, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Defaults_FiftyEventsPerMessageFiveSecondSafetyNet() =>
        Assert.Equal((50, TimeSpan.FromSeconds(5)), (new RelayDeliveryOptions().MaxEventsPerMessage, new RelayDeliveryOptions().SafetyNetDelay));

    private static RelayOptions Valid() => new()
    {
        WebhookSecret = "secret",
        Delivery = new RelayDeliveryOptions { AttemptTimeout = TimeSpan.FromSeconds(10) },
    };

    private static Microsoft.Extensions.Options.ValidateOptionsResult Validate(RelayOptions options) =>
        new RelayOptionsValidator().Validate(null, options);
}
