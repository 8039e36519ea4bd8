using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using FunctionsDashboard.EventLog;
using FunctionsDashboard.Sse;

namespace FunctionsDashboard.Tests.Sse;

/// <summary>
/// An event's SSE frame is formatted by <see cref="SseFormatter"/> once per distinct cursor (issue 11 item 3, issue 16
/// item 4): responses whose cursors are equal share it, any difference gets its own frame, and the frame reads back
/// (with the platform's <see cref="SseParser"/>) as the cursor, the type and the event JSON.
/// </summary>
public sealed class EventFrameTests
{
    private static readonly byte[] Key = Encoding.UTF8.GetBytes("test-signing-key-of-some-length!");
    private static readonly byte[] Subscription = SseCursor.SubscriptionHash("sub-a");
    private static readonly CursorCheckpoint Checkpoint = CursorCheckpoint.Empty;

    [Fact]
    public async Task EqualCursors_ShareOneFrame_ThatReadsBackAsCursorTypeAndEventJson()
    {
        var frame = new EventFrame("g1", Event(7));
        var first = StateAt(7);
        var second = StateAt(7);

        var a = await frame.FrameAsync(first, typed: true);
        var b = await frame.FrameAsync(second, typed: true);

        Assert.Same(a, b);
        var item = Assert.Single(Parse(a));
        Assert.Equal(first.Encode(), item.EventId);
        Assert.Equal("ops.metric", item.EventType);
        using var json = JsonDocument.Parse(item.Data);
        Assert.Equal(7, json.RootElement.GetProperty("seq").GetInt64());
        Assert.Equal("s", json.RootElement.GetProperty("stream").GetString());
        Assert.Equal("e7", json.RootElement.GetProperty("id").GetString());
        Assert.Equal(42, json.RootElement.GetProperty("data").GetProperty("v").GetInt32());
    }

    [Fact]
    public async Task DifferentCursors_OrUntyped_GetTheirOwnFrames_EachWithItsOwnCursor()
    {
        var frame = new EventFrame("g1", Event(7));
        var plain = StateAt(7);
        var otherStream = StateAt(7);
        otherStream.Advance("other", new StreamPosition("g9", 3));
        var otherSubscription = new CursorState(Key, SseCursor.SubscriptionHash("sub-b"), Checkpoint, [new("s", new StreamPosition("g1", 7))]);

        var frames = new[]
        {
            await frame.FrameAsync(plain, typed: true),
            await frame.FrameAsync(otherStream, typed: true),
            await frame.FrameAsync(otherSubscription, typed: true),
            await frame.FrameAsync(plain, typed: false),
        };

        Assert.Equal(frames.Length, frames.Distinct().Count());
        var ids = frames.Select(f => Assert.Single(Parse(f)).EventId).ToList();
        Assert.Equal([plain.Encode(), otherStream.Encode(), otherSubscription.Encode(), plain.Encode()], ids);
        Assert.Equal("message", Assert.Single(Parse(frames[3])).EventType); // no event: line
        Assert.DoesNotContain("event:", Encoding.UTF8.GetString(frames[3]), StringComparison.Ordinal);

        // The first one is still shared after the others were made.
        Assert.Same(frames[0], await frame.FrameAsync(StateAt(7), typed: true));
    }

    [Fact]
    public async Task TypeWithALineBreak_StaysOneField()
    {
        var e = Event(1) with { Type = "evil\nid: forged" };
        var bytes = await new EventFrame("g1", e).FrameAsync(StateAt(1), typed: true);

        var item = Assert.Single(Parse(bytes));
        Assert.Equal("evil id: forged", item.EventType);
        Assert.Equal(StateAt(1).Encode(), item.EventId);
    }

    private static CursorState StateAt(long seq) => new(Key, Subscription, Checkpoint, [new("s", new StreamPosition("g1", seq))]);

    private static StoredEvent Event(long seq) =>
        new($"e{seq}", seq, "s", "ops.metric", "src", "subj", DateTimeOffset.UnixEpoch, JsonDocument.Parse("{\"v\":42}").RootElement, false, DateTimeOffset.UnixEpoch);

    private static List<SseItem<string>> Parse(byte[] frame) => [.. SseParser.Create(new MemoryStream(frame)).Enumerate()];
}
