using System.Text;
using FunctionsDashboard.Health;
using FunctionsDashboard.Relay;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FunctionsDashboard.Tests.Relay;

/// <summary>The webhook's answers that need no storage: handshakes, secret, size and shape checks, readiness.</summary>
public sealed class EventGridWebhookTests : IDisposable
{
    private const string Secret = "s3cret";
    private const string Validation = """
        [{"id":"v1","topic":"/t","subject":"","data":{"validationCode":"code-123","validationUrl":"https://example.invalid/v"},"eventType":"Microsoft.EventGrid.SubscriptionValidationEvent","eventTime":"2026-11-25T12:00:00Z","metadataVersion":"1","dataVersion":"1"}]
        """;

    private const string OneEvent = """[{"id":"e1","topic":"/t","subject":"s","eventType":"T","eventTime":"2026-11-25T12:00:00Z","dataVersion":"1","data":{}}]""";

    private readonly IHost _host;

    public EventGridWebhookTests()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            // Nobody listens there: any storage call fails at once (connection refused).
            ["AzureWebJobsStorage"] = AzuriteFixture.Unreachable(),
            ["Relay:WebhookSecret"] = Secret,
            ["Relay:MaxBodyBytes"] = "4096",
            ["Relay:AppendRetries"] = "0",
        });
        builder.AddDashboardCore();
        builder.AddEventGridRelay();
        _host = builder.Build();
    }

    private EventGridWebhook Sut => _host.Services.GetRequiredService<EventGridWebhook>();

    [Fact]
    public void Options_WithOrigin_GrantsOriginAnyRate()
    {
        var granted = Assert.IsType<WebhookOutcome.AbuseProtectionGranted>(Sut.Options([Secret], "eventgrid.azure.net", "120"));

        Assert.Equal("eventgrid.azure.net", granted.AllowedOrigin);
        Assert.Equal("*", granted.AllowedRate);
    }

    [Fact]
    public void Options_NoOrigin_Is400()
    {
        AssertRefused(Sut.Options([Secret], null, null), 400, WebhookProblemTypes.Malformed);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong")]
    public void Options_MissingOrWrongSecret_Is401(string? secret)
    {
        AssertRefused(Sut.Options([secret], "eventgrid.azure.net", null), 401, WebhookProblemTypes.Unauthorized);
    }

    [Fact]
    public async Task Post_SubscriptionValidation_EchoesTheCode()
    {
        var outcome = await Sut.PostAsync(Request(Validation, eventType: "SubscriptionValidation"), CancellationToken.None);

        var answered = Assert.IsType<WebhookOutcome.ValidationAnswered>(outcome);
        Assert.Equal("code-123", answered.Reply.ValidationResponse);
    }

    [Fact]
    public async Task Post_SecretInHeaderInsteadOfQuery_IsAccepted()
    {
        var outcome = await Sut.PostAsync(Request(Validation, eventType: "SubscriptionValidation", secrets: [null, Secret]), CancellationToken.None);

        Assert.IsType<WebhookOutcome.ValidationAnswered>(outcome);
    }

    [Fact]
    public async Task Post_ValidationWithWrongSecret_Is401()
    {
        var outcome = await Sut.PostAsync(Request(Validation, eventType: "SubscriptionValidation", secrets: ["forged"]), CancellationToken.None);

        AssertRefused(outcome, 401, WebhookProblemTypes.Unauthorized);
    }

    [Fact]
    public async Task Post_BodyOverLimitWithoutContentLength_Is413()
    {
        var big = "[" + string.Join(',', Enumerable.Repeat(OneEvent[1..^1], 40)) + "]";

        var outcome = await Sut.PostAsync(Request(big, sendLength: false), CancellationToken.None);

        AssertRefused(outcome, 413, WebhookProblemTypes.TooLarge);
    }

    [Fact]
    public async Task Post_ContentLengthOverLimit_Is413WithoutReading()
    {
        var body = new ThrowingStream();

        var outcome = await Sut.PostAsync(new WebhookRequest("application/json", 1_000_000, "Notification", [Secret], body), CancellationToken.None);

        AssertRefused(outcome, 413, WebhookProblemTypes.TooLarge);
    }

    [Fact]
    public async Task Post_Malformed_Is400EvenWhenNotReady()
    {
        var outcome = await Sut.PostAsync(Request("{oops"), CancellationToken.None);

        AssertRefused(outcome, 400, WebhookProblemTypes.Malformed);
    }

    [Fact]
    public async Task Post_EventsWhileNotReady_Is503WithRetryAfter()
    {
        var outcome = await Sut.PostAsync(Request(OneEvent), CancellationToken.None);

        var refused = AssertRefused(outcome, 503, WebhookProblemTypes.Unavailable);
        Assert.Equal(EventGridWebhook.RetryAfter, refused.RetryAfter);
        Assert.Contains("not ready", refused.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_EventsWhileStorageIsDown_Is503NotA4xx()
    {
        _host.Services.GetRequiredService<Readiness>().MarkReady();

        var outcome = await Sut.PostAsync(Request(OneEvent), CancellationToken.None);

        var refused = AssertRefused(outcome, 503, WebhookProblemTypes.Unavailable);
        Assert.NotNull(refused.RetryAfter);
        Assert.Equal(1, _host.Services.GetRequiredService<RelayStats>().Snapshot().Unavailable);
    }

    public void Dispose() => _host.Dispose();

    private static WebhookRequest Request(string body, string eventType = "Notification", string?[]? secrets = null, bool sendLength = true)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        return new WebhookRequest("application/json", sendLength ? bytes.Length : null, eventType, secrets ?? [Secret], new MemoryStream(bytes));
    }

    private static WebhookOutcome.Refused AssertRefused(WebhookOutcome outcome, int status, string type)
    {
        var refused = Assert.IsType<WebhookOutcome.Refused>(outcome);
        Assert.Equal(status, refused.StatusCode);
        Assert.Equal(type, refused.Type);
        return refused;
    }

    private sealed class ThrowingStream : MemoryStream
    {
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => throw new InvalidOperationException("must not be read");

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => throw new InvalidOperationException("must not be read");
    }
}
