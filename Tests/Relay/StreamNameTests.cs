using FunctionsDashboard.Relay;

namespace FunctionsDashboard.Tests.Relay;

public sealed class StreamNameTests
{
    [Theory]
    [InlineData("/subscriptions/0000/resourceGroups/rg/providers/Microsoft.EventGrid/topics/Orders", "microsoft.eventgrid-topics-orders")]
    [InlineData("/subscriptions/0000/resourceGroups/rg/providers/Microsoft.EventGrid/domains/d1/topics/t1", "microsoft.eventgrid-domains-d1-topics-t1")]
    [InlineData("https://example.com/sensors/7", "https-example.com-sensors-7")]
    [InlineData("/sensors//7/", "sensors-7")]
    [InlineData("urn:dashboard:jobs", "urn-dashboard-jobs")]
    [InlineData("already-fine_1.2", "already-fine_1.2")]
    [InlineData("", StreamName.Default)]
    [InlineData(null, StreamName.Default)]
    [InlineData("///", StreamName.Default)]
    [InlineData("/subscriptions/0000/resourceGroups/rg", "subscriptions-0000-resourcegroups-rg")]
    public void From_TopicOrSource_IsTheDocumentedName(string? input, string expected)
    {
        Assert.Equal(expected, StreamName.From(input));
    }

    [Fact]
    public void From_VeryLongSources_StayDistinctAndBounded()
    {
        var a = StreamName.From("/devices/" + new string('a', 300) + "/1");
        var b = StreamName.From("/devices/" + new string('a', 300) + "/2");

        Assert.NotEqual(a, b);
        Assert.Equal(StreamName.MaxLength, a.Length);
        Assert.True(StreamName.IsValid(a));
    }

    [Theory]
    [InlineData("microsoft.eventgrid-topics-orders", true)]
    [InlineData("Orders", false)]
    [InlineData("a/b", false)]
    [InlineData("", false)]
    public void IsValid_OnlyNormalizedNames(string name, bool valid)
    {
        Assert.Equal(valid, StreamName.IsValid(name));
    }
}
