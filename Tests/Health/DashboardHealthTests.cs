using System.Collections.Concurrent;
using FunctionsDashboard.Health;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FunctionsDashboard.Tests.Health;

/// <summary>
/// The health model on the platform's <c>HealthCheckService</c>: the same report (checks options, startup, storage in
/// that order), ready only when all pass, a failing dependency as a failed check with a one-line reason, and no error
/// log line per poll while the app is not ready.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class DashboardHealthTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task CheckAsync_StartedAndStorageUp_IsReadyWithEveryCheckOk()
    {
        var logs = new CapturingLoggerProvider();
        using var host = CreateHost(azurite.ConnectionString, logs);
        host.Services.GetRequiredService<Readiness>().MarkReady();

        var report = await host.Services.GetRequiredService<DashboardHealth>().CheckAsync(CancellationToken.None);

        Assert.True(report.Ready);
        Assert.True(report.Live);
        Assert.Equal("ready", report.Status);
        Assert.Null(report.Reason);
        Assert.Equal(new[] { "options", "startup", "storage" }, report.Checks.Select(c => c.Name));
        Assert.All(report.Checks, c => Assert.True(c.Ok, c.Detail));
        Assert.Contains("table service answered", report.Checks[2].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckAsync_StartingAndStorageAway_IsNotReadyWithReasonsAndLogsNoErrorPerPoll()
    {
        var logs = new CapturingLoggerProvider();
        using var host = CreateHost(AzuriteFixture.Unreachable(), logs);
        var health = host.Services.GetRequiredService<DashboardHealth>();

        for (var poll = 0; poll < 3; poll++)
        {
            var report = await health.CheckAsync(CancellationToken.None);

            Assert.False(report.Ready);
            Assert.True(report.Live);
            Assert.Equal("not-ready", report.Status);
            Assert.Equal(new[] { "options", "startup", "storage" }, report.Checks.Select(c => c.Name));
            Assert.True(report.Checks[0].Ok);
            Assert.False(report.Checks[1].Ok);
            Assert.Equal("starting", report.Checks[1].Detail);
            Assert.False(report.Checks[2].Ok);
            Assert.StartsWith("table service", report.Checks[2].Detail, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', report.Checks[2].Detail);
            Assert.Equal($"startup: starting; storage: {report.Checks[2].Detail}", report.Reason);
        }

        Assert.DoesNotContain(logs.Entries, e => e.Level >= LogLevel.Error);
    }

    private static IHost CreateHost(string storage, CapturingLoggerProvider logs)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = storage,
            ["Dashboard:ConnectionTimeout"] = "00:00:02",
        });
        builder.Logging.SetMinimumLevel(LogLevel.Trace).AddProvider(logs);
        builder.AddDashboardCore();
        return builder.Build();
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<(string Category, LogLevel Level, string Message)> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, Entries);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<(string, LogLevel, string)> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                entries.Enqueue((category, logLevel, formatter(state, exception)));
        }
    }
}
