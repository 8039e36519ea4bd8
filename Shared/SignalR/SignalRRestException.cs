using System.Net;

namespace FunctionsDashboard.SignalR;

/// <summary>The SignalR Service answered a REST call with an error status.</summary>
public sealed class SignalRRestException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SignalRRestException(HttpStatusCode statusCode, string message, TimeSpan? retryAfter = null, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
        RetryAfter = retryAfter;
    }

    /// <summary>Creates the exception.</summary>
    public SignalRRestException()
        : this(HttpStatusCode.InternalServerError, "SignalR Service REST call failed.")
    {
    }

    /// <summary>Creates the exception.</summary>
    public SignalRRestException(string message)
        : this(HttpStatusCode.InternalServerError, message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public SignalRRestException(string message, Exception innerException)
        : this(HttpStatusCode.InternalServerError, message, null, innerException)
    {
    }

    /// <summary>The status the Service answered.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>The Service's <c>Retry-After</c>, when it sent one.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>
    /// Worth retrying: 408, 429 and 5xx. Note for sends: a 500 may mean the message was delivered and the answer timed
    /// out, so retrying a 500 risks a duplicate (clients drop duplicates by event id).
    /// </summary>
    public bool IsTransient => StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)StatusCode >= 500;
}
