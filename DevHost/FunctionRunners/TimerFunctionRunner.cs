using System.Globalization;
using System.Reflection;
using Microsoft.Azure.Functions.Worker;
using NCrontab;

namespace FunctionsDashboard.DevHost.FunctionRunners;

/// <summary>
/// Runs timer-triggered functions on their NCRONTAB schedules (six fields, seconds first, UTC), as the Functions host
/// does: <c>%name%</c> schedules are resolved from app settings (an unset one stops DevHost at startup, as it stops the
/// Functions host; see <see cref="Connections.SweepSchedules"/> for the app's values), a <c>hh:mm:ss</c> TimeSpan schedule runs at that interval, an invocation
/// that overruns its period makes the next one start at the next occurrence after it ends, and a failing invocation is
/// logged and retried only at the next occurrence. Schedules are parsed at startup: a bad one stops DevHost.
/// </summary>
internal sealed partial class TimerFunctionRunner(
    IReadOnlyList<TimerFunctionRunner.Schedule> schedules,
    IServiceProvider services,
    TimeProvider timeProvider,
    IHostApplicationLifetime lifetime,
    ILogger<TimerFunctionRunner> logger) : BackgroundService
{
    internal sealed record Schedule(FunctionDescriptor Function, string Expression, Func<DateTime, DateTime> Next);

    /// <summary>Resolves and parses the schedule of each timer function; throws naming the function on a bad one.</summary>
    public static IReadOnlyList<Schedule> Parse(IEnumerable<FunctionDescriptor> functions, IConfiguration configuration)
    {
        var result = new List<Schedule>();
        foreach (var function in functions.Where(f => f.Kind == TriggerKind.Timer))
        {
            FunctionInvoker.Validate(function, p => p.ParameterType == typeof(TimerInfo) || p.ParameterType == typeof(CancellationToken));
            var expression = Resolve(function.TimerTrigger.Schedule, configuration, function.Name);
            result.Add(new Schedule(function, expression, NextFunction(expression, function.Name)));
        }

        return result;
    }

    internal static string Resolve(string schedule, IConfiguration configuration, string functionName)
    {
        if (schedule.Length > 2 && schedule[0] == '%' && schedule[^1] == '%')
        {
            var setting = schedule[1..^1];
            // As the Functions host: an unset %setting% schedule is an indexing error, never a silent default.
            return configuration[setting] is { Length: > 0 } value ? value
                : throw new InvalidOperationException(
                    $"DevHost: app setting '{setting}' (the schedule of function {functionName}) is not set. The Functions host refuses to start without it too; "
                    + "set it in local.settings.json (see local.settings.sample.json) or as an environment variable.");
        }

        return schedule;
    }

    internal static Func<DateTime, DateTime> NextFunction(string expression, string functionName)
    {
        if (TimeSpan.TryParseExact(expression, @"hh\:mm\:ss", CultureInfo.InvariantCulture, out var interval) && interval > TimeSpan.Zero)
        {
            return after => after + interval;
        }

        var cron = CrontabSchedule.TryParse(expression, new CrontabSchedule.ParseOptions { IncludingSeconds = true })
            ?? throw new InvalidOperationException($"DevHost: the schedule '{expression}' of function {functionName} is not a six-field NCRONTAB expression or an hh:mm:ss interval.");
        return cron.GetNextOccurrence;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(schedules.Select(s => RunAsync(s, stoppingToken)));

    private async Task RunAsync(Schedule schedule, CancellationToken stoppingToken)
    {
        Log.Scheduled(logger, schedule.Function.Name, schedule.Expression);
        DateTime? last = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = timeProvider.GetUtcNow().UtcDateTime;
            var next = schedule.Next(now);
            try
            {
                await Task.Delay(next - now, timeProvider, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var timer = new TimerInfo
            {
                IsPastDue = timeProvider.GetUtcNow().UtcDateTime - next > TimeSpan.FromSeconds(1),
                ScheduleStatus = new ScheduleStatus { Last = last ?? default, Next = schedule.Next(next), LastUpdated = timeProvider.GetUtcNow().UtcDateTime },
            };
            last = next;
            await InvokeAsync(schedule.Function, timer, stoppingToken);
        }
    }

    private async Task InvokeAsync(FunctionDescriptor function, TimerInfo timer, CancellationToken stoppingToken)
    {
        await using var scope = services.CreateAsyncScope();
        try
        {
            await FunctionInvoker.InvokeAsync(function, scope.ServiceProvider, p => Bind(p, timer, stoppingToken));
        }
        catch (Exception) when (stoppingToken.IsCancellationRequested || lifetime.ApplicationStopping.IsCancellationRequested)
        {
            // Stopping: the run was cut short; it runs again at its next occurrence after a restart.
        }
        catch (Exception e)
        {
            Log.Failed(logger, function.Name, e);
        }
    }

    private static object? Bind(ParameterInfo parameter, TimerInfo timer, CancellationToken cancellationToken) =>
        parameter.ParameterType == typeof(TimerInfo) ? timer : cancellationToken;

    private static partial class Log
    {
        [LoggerMessage(EventId = 9201, EventName = "TimerScheduled", Level = LogLevel.Information, Message = "Timer function {Function} scheduled: {Schedule} (UTC)")]
        public static partial void Scheduled(ILogger logger, string function, string schedule);

        [LoggerMessage(EventId = 9202, EventName = "TimerFunctionFailed", Level = LogLevel.Error, Message = "Timer function {Function} failed; it runs again at its next occurrence")]
        public static partial void Failed(ILogger logger, string function, Exception exception);
    }
}
