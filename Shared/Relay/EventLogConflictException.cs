namespace FunctionsDashboard.Relay;

/// <summary>Another writer changed the stream head, or an id was already there: re-read and try again at once.</summary>
internal sealed class EventLogConflictException(string message) : Exception(message);
