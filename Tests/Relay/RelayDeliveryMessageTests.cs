using FunctionsDashboard.Relay;

namespace FunctionsDashboard.Tests.Relay;

public sealed class RelayDeliveryMessageTests
{
    [Fact]
    public void Parse_ToJson_RoundTrips()
    {
        var message = RelayDeliveryMessage.For("microsoft.eventgrid-topics-orders", 5, 9);

        var json = message.ToJson();
        var parsed = RelayDeliveryMessage.Parse(json);

        Assert.Equal(message, parsed);
        Assert.Equal(5, parsed.Count);
        Assert.Equal("""{"v":1,"stream":"microsoft.eventgrid-topics-orders","firstSeq":5,"lastSeq":9}""", json);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"v":2,"stream":"s","firstSeq":1,"lastSeq":1}""")]
    [InlineData("""{"v":1,"stream":"Not/Valid","firstSeq":1,"lastSeq":1}""")]
    [InlineData("""{"v":1,"stream":"s","firstSeq":0,"lastSeq":1}""")]
    [InlineData("""{"v":1,"stream":"s","firstSeq":3,"lastSeq":2}""")]
    [InlineData("null")]
    public void Parse_InvalidMessage_ThrowsFormatException(string json)
    {
        Assert.Throws<FormatException>(() => RelayDeliveryMessage.Parse(json));
    }
}
