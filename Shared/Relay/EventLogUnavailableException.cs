namespace FunctionsDashboard.Relay;

/// <summary>
/// The event log could not make events durable (and hand them off) in time: storage unreachable, slow or busy.
/// Transient by nature: the webhook answers 503 with <c>Retry-After</c> and Event Grid redelivers.
/// </summary>
public sealed class EventLogUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public EventLogUnavailableException()
        : this("The event log is not available right now.")
    {
    }

    /// <summary>Creates the exception.</summary>
    public EventLogUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public EventLogUnavailableException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
