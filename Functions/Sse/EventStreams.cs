using FunctionsDashboard.EventLog;

namespace FunctionsDashboard.Functions.Sse;

/// <summary>The streams a caller may read.</summary>
/// <param name="Streams">Their heads, by name.</param>
/// <param name="Readable">The caller's readable patterns.</param>
public sealed record EventStreams(IReadOnlyList<StreamHead> Streams, IReadOnlyList<string> Readable);
