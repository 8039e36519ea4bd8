using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Logging;

namespace FunctionsDashboard.Tests.Observability;

/// <summary>
/// Issue 15 item 4: with the levels host.json sets (default Information), delivering events writes at most one
/// Information line per event (the HTTP client's and the retry library's per-request lines stay below Information).
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class DeliveryLogVolumeTests(AzuriteFixture azurite)
{
    private const int Events = 20;

    [Fact]
    public async Task DeliveringEvents_WritesAtMostOneInformationLinePerEvent()
    {
        var lines = new ConcurrentQueue<(LogLevel Level, string Category, string Message)>();
        await using var server = await DevHostServer.StartAsync(
            azurite.ConnectionString,
            new Dictionary<string, string?>
            {
                ["Logging:LogLevel:Default"] = "Information", // host.json's default (the test harness lowers it to Warning)
                ["Relay:Delivery:MaxEventsPerMessage"] = "1", // one hub message (one REST send) per event: the worst case
            },
            configure: b => b.Logging.AddProvider(new CollectingLoggerProvider(lines)));

        var seen = new ConcurrentQueue<string>();
        await using var hub = new HubConnectionBuilder().WithUrl(new Uri(server.BaseAddress, "api")).Build();
        hub.On<JsonElement>("event", e => seen.Enqueue(e.GetProperty("id").GetString()!));
        hub.On<JsonElement[]>("events", es => Array.ForEach(es, e => seen.Enqueue(e.GetProperty("id").GetString()!)));
        await hub.StartAsync();
        await hub.InvokeAsync<JsonElement>(FunctionsDashboard.Hub.DashboardHubHandlers.Subscribe);

        var before = lines.Count;
        for (var i = 0; i < Events; i++)
        {
            await EventPoster.PostAsync(server.Client, "/log-volume", [$"lv-{i}"]);
        }

        await Eventually.WaitAsync(() => Task.FromResult(seen.Distinct().Count()), n => n >= Events, TimeSpan.FromSeconds(30), "every event at the SignalR client");
        var during = lines.Skip(before).Where(l => l.Level >= LogLevel.Information).ToList();
        Assert.True(during.Count <= Events, $"{during.Count} Information+ lines for {Events} delivered events:\n" + string.Join("\n", during.Select(l => $"{l.Level} {l.Category}: {l.Message}")));
        Assert.DoesNotContain(during, l => l.Category.StartsWith("System.Net.Http.HttpClient", StringComparison.Ordinal) || l.Category.StartsWith("Polly", StringComparison.Ordinal));
    }

    private sealed class CollectingLoggerProvider(ConcurrentQueue<(LogLevel, string, string)> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, lines);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<(LogLevel, string, string)> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue((logLevel, category, formatter(state, exception)));
        }
    }
}
