using System.Collections.Concurrent;
using FunctionsDashboard.Sse;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FunctionsDashboard.Tests.Sse;

/// <summary>
/// Issue 13, item 6: a client ending its SSE response is a normal end of the function run: no error, no warning, no
/// exception logged, and the fan-out lets the client go.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class SseClientDisconnectTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task ClientEndsTheResponse_MidStream_RunEndsNormally_NothingLoggedAsAFailure_Issue13()
    {
        var logs = new ConcurrentQueue<(LogLevel Level, string Category, string Message, Exception? Exception)>();
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString, configure: b => b.Logging.AddProvider(new CollectingProvider(logs)));
        await EventPoster.PostAsync(server.Client, "leaving", ["l1"]);
        var fanout = server.Services.GetRequiredService<EventFanout>();

        for (var i = 0; i < 5; i++)
        {
            using var response = await server.Client.GetAsync("/api/events?stream=leaving&lastEventId=0", HttpCompletionOption.ResponseHeadersRead);
            using var sse = new SseEndpointTests.SseConnection(response, await response.Content.ReadAsStreamAsync());
            await sse.TakeAsync(1);
            await EventPoster.PostAsync(server.Client, "leaving", [$"while-leaving-{i}"]); // a write racing the close
        } // the client closes the connection here, mid-stream

        await Eventually.WaitAsync(() => Task.FromResult(fanout.Subscribers), n => n == 0, TimeSpan.FromSeconds(30), "the fan-out to let every client go");

        var failures = logs.Where(l => l.Level >= LogLevel.Warning && (l.Category.StartsWith("FunctionsDashboard", StringComparison.Ordinal) || l.Exception is not null)).ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures.Select(f => $"{f.Level} {f.Category}: {f.Message} {f.Exception?.GetType().Name}")));
    }

    private sealed class CollectingProvider(ConcurrentQueue<(LogLevel, string, string, Exception?)> logs) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Collector(categoryName, logs);

        public void Dispose()
        {
        }

        private sealed class Collector(string category, ConcurrentQueue<(LogLevel, string, string, Exception?)> logs) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                logs.Enqueue((logLevel, category, formatter(state, exception), exception));
        }
    }
}
