using Azure;

namespace FunctionsDashboard.EventLog;

/// <summary>A claim of an event id: by which commit token, for which bucket, since when.</summary>
internal sealed record ClaimRow(string Token, DateOnly Bucket, DateTimeOffset At, ETag ETag);
