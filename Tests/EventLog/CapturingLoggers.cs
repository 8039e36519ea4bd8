using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace FunctionsDashboard.Tests.EventLog;

/// <summary>A logger factory that keeps every entry (level, event name, message) for assertions.</summary>
internal sealed class CapturingLoggers : ILoggerFactory, ILoggerProvider
{
    public ConcurrentQueue<(LogLevel Level, string EventName, string Message)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggers owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Entries.Enqueue((logLevel, eventId.Name ?? "", formatter(state, exception)));
    }
}
