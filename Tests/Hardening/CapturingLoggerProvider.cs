using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace FunctionsDashboard.Tests.Hardening;

/// <summary>Sees every log message of a host and keeps what breaks the log-hygiene rules (too long, or a secret in it).</summary>
public sealed class CapturingLoggerProvider(int maxMessageLength, IReadOnlyList<string> secrets) : ILoggerProvider
{
    private long _messages;
    private int _longest;

    public ConcurrentQueue<string> Violations { get; } = new();

    public long Messages => Interlocked.Read(ref _messages);

    public int Longest => Volatile.Read(ref _longest);

    public ILogger CreateLogger(string categoryName) => new Capturing(this, categoryName);

    public void Dispose()
    {
    }

    private void Record(string category, string message)
    {
        Interlocked.Increment(ref _messages);
        int longest;
        while (message.Length > (longest = Volatile.Read(ref _longest)) && Interlocked.CompareExchange(ref _longest, message.Length, longest) != longest)
        {
        }

        if (message.Length > maxMessageLength)
        {
            Violations.Enqueue($"{category}: {message.Length} chars: {message[..200]}…");
        }

        foreach (var secret in secrets.Where(s => message.Contains(s, StringComparison.Ordinal)))
        {
            Violations.Enqueue($"{category}: a secret ({secret[..3]}…) in: {message[..Math.Min(200, message.Length)]}");
        }

        if (message.Contains('\n', StringComparison.Ordinal) && category.StartsWith("FunctionsDashboard", StringComparison.Ordinal))
        {
            Violations.Enqueue($"{category}: a line break in: {message[..Math.Min(200, message.Length)]}");
        }
    }

    private sealed class Capturing(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Record(category, formatter(state, exception));
    }
}
