using FunctionsDashboard.DevHost.LocalSignalR;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Tests.DevHost.LocalSignalR;

/// <summary>The local SignalR Service's settings as DevHost registers them: bound from <c>LocalSignalR</c>, checked at startup.</summary>
public sealed class LocalSignalROptionsTests
{
    [Fact]
    public void Resolve_NoSettings_YieldsSignalRDefaults()
    {
        var options = Resolve([]);

        Assert.Equal(TimeSpan.FromSeconds(15), options.KeepAliveInterval);
        Assert.Equal(TimeSpan.FromSeconds(30), options.ClientTimeoutInterval);
        Assert.Equal(LocalSignalROptions.DefaultAccessKey, options.AccessKey);
        Assert.Null(options.Entra.SigningKey);
    }

    [Fact]
    public void Resolve_UpstreamTemplateAndLimits_AreUsed()
    {
        var options = Resolve(new()
        {
            ["LocalSignalR:UpstreamUrl"] = "http://127.0.0.1:7071/api/{hub}/{category}/{event}",
            ["LocalSignalR:KeepAliveInterval"] = "00:00:01",
            ["LocalSignalR:ClientTimeoutInterval"] = "00:00:02",
            ["LocalSignalR:Entra:SigningKey"] = new string('k', 32),
        });

        Assert.Equal("http://127.0.0.1:7071/api/{hub}/{category}/{event}", options.UpstreamUrl);
        Assert.Equal(TimeSpan.FromSeconds(2), options.ClientTimeoutInterval);
        Assert.Equal(32, options.Entra.SigningKey!.Length);
    }

    [Theory]
    [InlineData("LocalSignalR:UpstreamTimeout", "00:00:00", "LocalSignalR:UpstreamTimeout must be between 00:00:01 and 00:05:00 (app setting LocalSignalR__UpstreamTimeout).")]
    [InlineData("LocalSignalR:KeepAliveInterval", "00:05:01", "LocalSignalR:KeepAliveInterval must be between 00:00:01 and 00:05:00")]
    [InlineData("LocalSignalR:HandshakeTimeout", "-00:00:01", "LocalSignalR:HandshakeTimeout must be between 00:00:01 and 00:05:00")]
    [InlineData("LocalSignalR:ClientTimeoutInterval", "00:10:01", "LocalSignalR:ClientTimeoutInterval must be between 00:00:02 and 00:10:00")]
    [InlineData("LocalSignalR:ClientTimeoutInterval", "00:00:29", "LocalSignalR:ClientTimeoutInterval (00:00:29) must be at least 2 × LocalSignalR:KeepAliveInterval (00:00:15).")]
    [InlineData("LocalSignalR:UpstreamUrl", "/api/signalr/upstream", "LocalSignalR:UpstreamUrl must be an absolute http or https URL (app setting LocalSignalR__UpstreamUrl).")]
    [InlineData("LocalSignalR:UpstreamUrl", "http://{other}/x", "LocalSignalR:UpstreamUrl must be an absolute http or https URL")]
    [InlineData("LocalSignalR:AccessKey", "", "LocalSignalR:AccessKey must be at least 32 characters (HS256; app setting LocalSignalR__AccessKey).")]
    [InlineData("LocalSignalR:SecondaryAccessKey", "short", "LocalSignalR:SecondaryAccessKey must be at least 32 characters")]
    [InlineData("LocalSignalR:Entra:SigningKey", "short", "LocalSignalR:Entra:SigningKey must be at least 32 characters (HS256; app setting LocalSignalR__Entra__SigningKey).")]
    [InlineData("LocalSignalR:Faults:ErrorRate", "1.5", "LocalSignalR:Faults:ErrorRate")]
    public void Resolve_BadValue_FailsNamingTheSetting(string key, string value, string expected)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Resolve(new() { [key] = value }));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_FaultRatesAboveOneTogether_Fails()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Resolve(new()
        {
            ["LocalSignalR:Faults:ErrorRate"] = "0.6",
            ["LocalSignalR:Faults:TooManyRequestsRate"] = "0.6",
        }));

        Assert.Contains("LocalSignalR:Faults:ErrorRate + TooManyRequestsRate + FailAfterDeliveryRate must be at most 1.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_EmptyEntraSigningKey_IsAcceptedAsUnset()
    {
        var options = Resolve(new() { ["LocalSignalR:Entra:SigningKey"] = "" });

        Assert.Equal("", options.Entra.SigningKey);
    }

    private static LocalSignalROptions Resolve(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        settings["LocalSignalR:Enabled"] = "true";
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddLocalSignalRService();
        using var provider = builder.Services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<LocalSignalROptions>>().Value;
    }
}
