using FunctionsDashboard.EventLog;

namespace FunctionsDashboard.Relay;

/// <summary>Row keys shared with the delivery tables (one row per seq): the event log's 19-digit seq keys.</summary>
internal static class EventLogRows
{
    public static readonly string MaxSeqKey = EventLogLayout.MaxSeqKey;

    public static string SeqKey(long seq) => EventLogLayout.SeqKey(seq);
}
