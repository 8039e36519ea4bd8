using FunctionsDashboard.Access;

namespace FunctionsDashboard.Sse;

/// <summary>A checked read request (SSE or history).</summary>
/// <param name="Requested">The streams the request names (all when none).</param>
/// <param name="Scope">What it reads: the requested streams the caller may read.</param>
/// <param name="SubscriptionHash">The hash cursors of this subscription carry.</param>
/// <param name="Resume">Where it resumes (null: from now for SSE, from the start for history).</param>
public sealed record ReadPlan(StreamSet Requested, StreamSet Scope, byte[] SubscriptionHash, ReadResume? Resume);
