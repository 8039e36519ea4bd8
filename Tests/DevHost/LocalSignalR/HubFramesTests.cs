using System.Buffers;
using System.Text;
using System.Text.Json;
using FunctionsDashboard.DevHost.LocalSignalR;

namespace FunctionsDashboard.Tests.DevHost.LocalSignalR;

public sealed class HubFramesTests
{
    [Fact]
    public void TryReadRecord_TwoRecordsAndAPartOne_ReadsTheCompleteOnes()
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes("{\"type\":6}\u001e{\"type\":1,\"target\":\"a\",\"arguments\":[]}\u001e{\"type\""));

        Assert.True(HubFrames.TryReadRecord(ref buffer, out var first));
        Assert.True(HubFrames.TryReadRecord(ref buffer, out var second));
        Assert.False(HubFrames.TryReadRecord(ref buffer, out _));

        Assert.Equal("{\"type\":6}", Encoding.UTF8.GetString(first.ToArray()));
        Assert.Equal("{\"type\":1,\"target\":\"a\",\"arguments\":[]}", Encoding.UTF8.GetString(second.ToArray()));
        Assert.Equal("{\"type\"", Encoding.UTF8.GetString(buffer.ToArray()));
    }

    [Fact]
    public void ParseIncoming_Invocation_KeepsTheExactJson()
    {
        const string json = """{"type":1, "invocationId":"3","target":"heartbeat","arguments":[{"a":1}]}""";

        var frame = HubFrames.ParseIncoming(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(json)));

        Assert.Equal(1, frame.Type);
        Assert.Equal("3", frame.InvocationId);
        Assert.Equal("heartbeat", frame.Target);
        Assert.Equal(json, Encoding.UTF8.GetString(frame.Json));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("""{"target":"x"}""")]
    [InlineData("""{"type":1,"arguments":[]}""")]
    public void ParseIncoming_NotAHubMessage_InvalidData(string json)
    {
        Assert.Throws<InvalidDataException>(() => HubFrames.ParseIncoming(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(json))));
    }

    [Fact]
    public void CompletionFromUpstream_ResultFrameWithSeparator_ResultUnderCallersId()
    {
        var completion = HubFrames.CompletionFromUpstream("7", Encoding.UTF8.GetBytes("{\"type\":3,\"invocationId\":\"other\",\"result\":{\"ok\":true}}\u001e"));

        Assert.Equal("7", completion.InvocationId);
        Assert.True(((JsonElement)completion.Result!).GetProperty("ok").GetBoolean());
        Assert.Null(completion.Error);
    }

    [Fact]
    public void CompletionFromUpstream_ErrorFrame_Error()
    {
        var completion = HubFrames.CompletionFromUpstream("7", Encoding.UTF8.GetBytes("{\"type\":3,\"invocationId\":\"7\",\"error\":\"nope\"}\u001e"));

        Assert.Equal("nope", completion.Error);
    }

    [Fact]
    public void CompletionFromUpstream_WithoutTrailingSeparator_ErrorNamingIt_AsTheEmulatorBreaks_Issue13()
    {
        var completion = HubFrames.CompletionFromUpstream("7", """{"type":3,"invocationId":"7","result":1}"""u8);

        Assert.Null(completion.Result);
        Assert.Contains("0x1E", completion.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"ok":true}""")]
    [InlineData("""{"type":1,"target":"x"}""")]
    [InlineData("garbage")]
    public void CompletionFromUpstream_NotACompletionFrame_Error(string body)
    {
        var completion = HubFrames.CompletionFromUpstream("7", Encoding.UTF8.GetBytes(body + "\u001e"));

        Assert.Contains("not a hub-protocol completion", completion.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_Close_IsJsonHubProtocolCloseMessage()
    {
        var bytes = HubFrames.Close("bye", allowReconnect: false).ToArray();

        Assert.Equal(HubFrames.RecordSeparator, bytes[^1]);
        using var json = JsonDocument.Parse(bytes.AsMemory(0, bytes.Length - 1));
        Assert.Equal(HubFrames.Types.Close, json.RootElement.GetProperty("type").GetInt32());
        Assert.Equal("bye", json.RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public void Invocation_RawJsonArguments_WrittenAsIs()
    {
        using var arguments = JsonDocument.Parse("""[{"seq":1,"data":[1,2]}]""");

        var bytes = HubFrames.Invocation("event", System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(arguments.RootElement)).ToArray();

        Assert.Equal(HubFrames.RecordSeparator, bytes[^1]);
        using var json = JsonDocument.Parse(bytes.AsMemory(0, bytes.Length - 1));
        Assert.Equal(HubFrames.Types.Invocation, HubMessageType(json));
        Assert.Equal("""{"seq":1,"data":[1,2]}""", json.RootElement.GetProperty("arguments")[0].GetRawText());

        // The same frame ASP.NET Core's JsonHubProtocol writes for that invocation.
        var protocol = HubFrames.Write(new Microsoft.AspNetCore.SignalR.Protocol.InvocationMessage("event", [arguments.RootElement[0]])).ToArray();
        Assert.Equal(System.Text.Encoding.UTF8.GetString(protocol), System.Text.Encoding.UTF8.GetString(bytes));
    }

    private static int HubMessageType(JsonDocument json) => json.RootElement.GetProperty("type").GetInt32();
}
