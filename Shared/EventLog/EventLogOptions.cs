using FunctionsDashboard.Options;

namespace FunctionsDashboard.EventLog;

/// <summary>Settings of the event log (section <c>EventLog</c>, app settings <c>EventLog__…</c>). See docs/event-log.md.</summary>
public sealed class EventLogOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "EventLog";

    /// <summary>Default of <see cref="Retention"/>: 7 days.</summary>
    public static readonly TimeSpan DefaultRetention = TimeSpan.FromDays(7);

    /// <summary>Default of <see cref="RetentionSweepInterval"/>: 1 hour.</summary>
    public static readonly TimeSpan DefaultRetentionSweepInterval = TimeSpan.FromHours(1);

    /// <summary>Default of <see cref="DirectoryInterval"/>: 500 ms.</summary>
    public static readonly TimeSpan DefaultDirectoryInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>Default of <see cref="MinCommitInterval"/>: 0 (no fixed pacing; <see cref="TransactionsPerSecond"/> bounds the rate).</summary>
    public static readonly TimeSpan DefaultMinCommitInterval = TimeSpan.Zero;

    /// <summary>Default of <see cref="HandOffInterval"/>: 100 ms.</summary>
    public static readonly TimeSpan DefaultHandOffInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Default of <see cref="TransactionsPerSecond"/>: 900.</summary>
    public const int DefaultTransactionsPerSecond = 900;

    /// <summary>
    /// How long events are kept (default 7 days, 1 to 365 days). Events live in day buckets; a bucket is dropped whole
    /// once its whole day is older than this, so an event is kept at least this long and at most one day longer.
    /// At least one day: the id index of the current and the previous bucket covers Event Grid's 24 h redelivery window.
    /// </summary>
    [SettingRange(typeof(TimeSpan), "1.00:00:00", "365.00:00:00", ErrorMessage = SectionName + ":" + nameof(Retention) + " must be between {1} and {2} (app setting " + SectionName + "__" + nameof(Retention) + ").")]
    public TimeSpan Retention { get; set; } = DefaultRetention;

    /// <summary>How often an instance looks for buckets to drop (default 1 hour, 1 minute to 1 day).</summary>
    [SettingRange(typeof(TimeSpan), "00:01:00", "1.00:00:00", ErrorMessage = SectionName + ":" + nameof(RetentionSweepInterval) + " must be between {1} and {2} (app setting " + SectionName + "__" + nameof(RetentionSweepInterval) + ").")]
    public TimeSpan RetentionSweepInterval { get; set; } = DefaultRetentionSweepInterval;

    /// <summary>
    /// How often a writing instance refreshes the stream directory (what <c>ListStreamsAsync</c> reads) after commits;
    /// default 500 ms, 50 ms to 5 s. Commits in between are coalesced into one write per stream.
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:00:00.050", "00:00:05", ErrorMessage = SectionName + ":" + nameof(DirectoryInterval) + " must be between {1} and {2} (app setting " + SectionName + "__" + nameof(DirectoryInterval) + ").")]
    public TimeSpan DirectoryInterval { get; set; } = DefaultDirectoryInterval;

    /// <summary>
    /// Under load, a stream's writer starts a commit at most this often (default 0 = as fast as storage answers and
    /// <see cref="TransactionsPerSecond"/> allows; up to 1 s). Events arriving meanwhile join the next commit; an idle
    /// writer commits at once.
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:00:00", "00:00:01", ErrorMessage = SectionName + ":" + nameof(MinCommitInterval) + " must be between {1} and {2} (app setting " + SectionName + "__" + nameof(MinCommitInterval) + ").")]
    public TimeSpan MinCommitInterval { get; set; } = DefaultMinCommitInterval;

    /// <summary>
    /// A stream's writer hands committed ranges off to the delivery queue at most this often (default 100 ms, 0 to 5 s;
    /// 0 = after every commit). The requests do not wait for it (their ranges are in the outbox, written with the
    /// commit), and the queue is the safety net behind the fast path, invisible for
    /// <c>Relay:Delivery:SafetyNetDelay</c> (5 s) anyway; the ranges committed meanwhile go as one message when they
    /// follow each other without a gap. So a busy stream costs the queue at most 10 messages/s instead of one per commit.
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:00:00", "00:00:05", ErrorMessage = SectionName + ":" + nameof(HandOffInterval) + " must be between {1} and {2} (app setting " + SectionName + "__" + nameof(HandOffInterval) + ").")]
    public TimeSpan HandOffInterval { get; set; } = DefaultHandOffInterval;

    /// <summary>
    /// Storage transactions per second that one instance's writer of one stream may use (default 900, 10 to 20,000):
    /// id claims, commits and delivery-queue messages (3 each: send, receive, delete) are charged to it; above it the
    /// writer waits and commits more events at once. 900 keeps 20 streams inside a storage account's 20,000
    /// transactions/s with room for reads (docs/event-log.md); with two instances writing one stream at full rate, halve it.
    /// </summary>
    [SettingRange(10, 20_000, ErrorMessage = SectionName + ":" + nameof(TransactionsPerSecond) + " must be between {1} and {2} (app setting " + SectionName + "__" + nameof(TransactionsPerSecond) + ").")]
    public int TransactionsPerSecond { get; set; } = DefaultTransactionsPerSecond;
}
