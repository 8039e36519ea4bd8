using System.Net;
using Azure;
using FunctionsDashboard.Relay;
using FunctionsDashboard.SignalR;
using FunctionsDashboard.Tests.EventLog;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Registry;

namespace FunctionsDashboard.Tests.Relay;

public sealed class RelayPipelinesTests
{
    private readonly ObservableFakeTime _time = new();

    [Fact]
    public async Task Delivery_AlwaysTransient_TriesMaxAttemptsWithCappedBackoff()
    {
        var options = new RelayDeliveryOptions { AttemptTimeout = TimeSpan.FromSeconds(10) };
        var pipeline = Build(b => RelayPipelines.ConfigureDelivery(b, options, new RelayDeliveryGate(_time)));
        var attempts = 0;

        var run = pipeline.ExecuteAsync(_ =>
        {
            attempts++;
            throw new SignalRRestException(HttpStatusCode.ServiceUnavailable, "busy");
        }).AsTask();

        var delays = new List<TimeSpan>();
        for (var i = 0; i < options.MaxAttempts - 1; i++)
        {
            // Each try arms its timeout timer (and pooled timers are parked at infinity); the wait between tries is the other timer.
            var delay = await NextTimerOtherThanAsync(options.AttemptTimeout);
            delays.Add(delay);
            _time.Advance(delay);
        }

        await Assert.ThrowsAsync<SignalRRestException>(() => run);
        Assert.Equal(10, attempts);
        Assert.All(delays, d => Assert.InRange(d, TimeSpan.Zero, options.MaxDelay));
        Assert.Contains(delays, d => d == options.MaxDelay); // the cap is reached within 10 tries
    }

    [Fact]
    public async Task Delivery_NotTransient_IsNotRetried()
    {
        var pipeline = Build(b => RelayPipelines.ConfigureDelivery(b, new RelayDeliveryOptions { AttemptTimeout = TimeSpan.FromSeconds(10) }, new RelayDeliveryGate(_time)));
        var attempts = 0;

        await Assert.ThrowsAsync<SignalRRestException>(() => pipeline.ExecuteAsync(_ =>
        {
            attempts++;
            throw new SignalRRestException(HttpStatusCode.BadRequest, "bad");
        }).AsTask());

        Assert.Equal(1, attempts);
    }

    [Fact]
    public async Task Write_ConflictsBeyondAppendRetries_AreStillRetried()
    {
        // Real time: a conflict is retried after at most a few milliseconds of jitter.
        var pipeline = new ResiliencePipelineBuilder().Apply(b => RelayPipelines.ConfigureWrite(b, new RelayOptions { AppendRetries = 1 })).Build();
        var attempts = 0;

        await pipeline.ExecuteAsync(_ =>
        {
            if (++attempts < 6)
            {
                throw new EventLogConflictException("head moved");
            }

            return ValueTask.CompletedTask;
        });

        Assert.Equal(6, attempts);
    }

    [Fact]
    public async Task Write_HeadConflictRetries_AreDebugTelemetry_StorageRetriesStillWarn()
    {
        // The pipeline as the app registers it, with a logger that keeps everything down to Debug.
        var logs = new CapturingLoggers();
        var services = new ServiceCollection()
            .AddLogging(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(logs))
            .AddSingleton(TimeProvider.System);
        services.AddOptions<RelayOptions>().Configure(o => o.AppendRetries = 1);
        RelayPipelines.AddWrite(services);
        await using var provider = services.BuildServiceProvider();
        var pipeline = provider.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline(RelayPipelines.Write);

        // Another instance committed first, twice: two writers coordinating, not a fault.
        var attempts = 0;
        await pipeline.ExecuteAsync(_ => ++attempts < 3 ? throw new EventLogConflictException("head moved") : ValueTask.CompletedTask);
        Assert.Equal(3, attempts);
        Assert.DoesNotContain(logs.Entries, e => e.Level >= LogLevel.Warning);
        Assert.Contains(logs.Entries, e => e.Level == LogLevel.Debug && e.Message.Contains(RelayPipelines.HeadConflictRetry, StringComparison.Ordinal));

        // A transient storage failure is still retried and reported at Warning.
        attempts = 0;
        await pipeline.ExecuteAsync(_ => ++attempts < 2 ? throw new RequestFailedException(503, "busy") : ValueTask.CompletedTask);
        Assert.Equal(2, attempts);
        Assert.Contains(logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("OnRetry", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Write_TransientFailures_RetriedOnlyAppendRetriesTimes()
    {
        var pipeline = Build(b => RelayPipelines.ConfigureWrite(b, new RelayOptions { AppendRetries = 2 }));
        var attempts = 0;

        var run = pipeline.ExecuteAsync(_ =>
        {
            attempts++;
            throw new RequestFailedException(503, "busy");
        }).AsTask();
        for (var i = 0; i < 2; i++)
        {
            var backoff = await NextTimerOtherThanAsync(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4)); // skip the try and budget timeouts
            Assert.InRange(backoff, TimeSpan.Zero, TimeSpan.FromSeconds(1));
            _time.Advance(backoff);
        }

        await Assert.ThrowsAsync<RequestFailedException>(() => run);
        Assert.Equal(3, attempts);
    }

    private ResiliencePipeline Build(Action<ResiliencePipelineBuilder> configure)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = _time };
        configure(builder);
        return builder.Build();
    }

    private async Task<TimeSpan> NextTimerOtherThanAsync(params TimeSpan[] ignored)
    {
        while (true)
        {
            var due = await _time.NextTimerAsync();
            if (!ignored.Contains(due) && due >= TimeSpan.Zero)
            {
                return due;
            }
        }
    }
}

internal static class PipelineBuilderExtensions
{
    public static ResiliencePipelineBuilder Apply(this ResiliencePipelineBuilder builder, Action<ResiliencePipelineBuilder> configure)
    {
        configure(builder);
        return builder;
    }
}
