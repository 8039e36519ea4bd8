using System.Reflection;
using System.Text.Json;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using FunctionsDashboard.Storage;

namespace FunctionsDashboard.DevHost.FunctionRunners;

/// <summary>
/// Runs queue-triggered functions by polling Azurite, the way the Functions host's queue trigger does (host.json
/// <c>extensions.queues</c>): up to <c>batchSize</c> messages at a time, each hidden while it runs; success deletes it; a
/// failure makes it visible again after <c>visibilityTimeout</c>; after <c>maxDequeueCount</c> failed tries it moves to
/// <c>{queue}-poison</c>. An empty queue is polled with exponential backoff up to <c>maxPollingInterval</c>.
/// Queue names get the app's storage prefix (as every other storage name does under DevHost).
/// </summary>
internal sealed partial class QueueFunctionRunner(
    IReadOnlyList<FunctionDescriptor> functions,
    QueueHostSettings settings,
    DashboardStorage storage,
    IServiceProvider services,
    TimeProvider timeProvider,
    IHostApplicationLifetime lifetime,
    ILogger<QueueFunctionRunner> logger) : BackgroundService
{
    /// <summary>How long a message stays hidden while its function runs.</summary>
    private static readonly TimeSpan RunningVisibility = TimeSpan.FromMinutes(10);

    /// <summary>Checks at startup that every queue function's parameters can be bound.</summary>
    public static void Validate(IEnumerable<FunctionDescriptor> functions)
    {
        foreach (var function in functions.Where(f => f.Kind == TriggerKind.Queue))
        {
            FunctionInvoker.Validate(function, p => p == function.TriggerParameter || p.ParameterType == typeof(CancellationToken));
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(functions.Where(f => f.Kind == TriggerKind.Queue).Select(f => PollAsync(f, stoppingToken)));

    private async Task PollAsync(FunctionDescriptor function, CancellationToken stoppingToken)
    {
        var queue = storage.Queue(function.QueueTrigger.QueueName);
        var poison = storage.Queue(function.QueueTrigger.QueueName + "-poison");
        var idle = settings.MinPollingInterval;
        var failing = false;
        var created = false;
        Log.Polling(logger, function.Name, queue.Name);
        while (!stoppingToken.IsCancellationRequested)
        {
            QueueMessage[] messages;
            try
            {
                // Once, and again after a failed poll (the queue may have been deleted): the Functions host does not ask
                // the storage account whether the queue exists before every receive either.
                if (!created)
                {
                    await queue.CreateIfNotExistsAsync(cancellationToken: stoppingToken);
                    created = true;
                }

                messages = (await queue.ReceiveMessagesAsync(settings.BatchSize, RunningVisibility, stoppingToken)).Value;
                if (failing)
                {
                    failing = false;
                    Log.PollRecovered(logger, function.Name);
                }
            }
            catch (Exception) when (stoppingToken.IsCancellationRequested || lifetime.ApplicationStopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                created = false;
                // One warning (with the cause) per outage, not one stack trace per poll; the idle backoff spaces the retries.
                if (!failing)
                {
                    failing = true;
                    Log.PollFailed(logger, function.Name, e);
                }
                else
                {
                    Log.PollStillFailing(logger, function.Name, e.GetType().Name);
                }

                messages = [];
            }

            if (messages.Length == 0)
            {
                try
                {
                    await Task.Delay(idle, timeProvider, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                idle = TimeSpan.FromTicks(Math.Min(idle.Ticks * 2, settings.MaxPollingInterval.Ticks));
                continue;
            }

            idle = settings.MinPollingInterval;
            await Task.WhenAll(messages.Select(m => ProcessAsync(function, queue, poison, m, stoppingToken)));
        }
    }

    private async Task ProcessAsync(FunctionDescriptor function, QueueClient queue, QueueClient poison, QueueMessage message, CancellationToken stoppingToken)
    {
        try
        {
            await using var scope = services.CreateAsyncScope();
            await FunctionInvoker.InvokeAsync(function, scope.ServiceProvider, p => Bind(function, p, message, stoppingToken));
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, CancellationToken.None);
        }
        catch (Exception e) when (stoppingToken.IsCancellationRequested || lifetime.ApplicationStopping.IsCancellationRequested)
        {
            // Stopping (the app's stop signal comes before this runner's): whatever the run ended with, the message becomes visible again after RunningVisibility and is retried.
            Log.StoppedDuringRun(logger, function.Name, message.MessageId, e.GetType().Name);
        }
        catch (Exception e)
        {
            await FailAsync(function, queue, poison, message, e);
        }
    }

    private async Task FailAsync(FunctionDescriptor function, QueueClient queue, QueueClient poison, QueueMessage message, Exception error)
    {
        try
        {
            if (message.DequeueCount >= settings.MaxDequeueCount)
            {
                Log.Poisoned(logger, function.Name, message.MessageId, message.DequeueCount, poison.Name, error);
                await poison.CreateIfNotExistsAsync();
                await poison.SendMessageAsync(message.Body);
                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
            }
            else
            {
                Log.Failed(logger, function.Name, message.MessageId, message.DequeueCount, error);
                await queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: settings.VisibilityTimeout);
            }
        }
        catch (Exception e)
        {
            // The message reappears after RunningVisibility anyway: nothing is lost.
            Log.FailHandlingFailed(logger, function.Name, message.MessageId, e);
        }
    }

    private static object? Bind(FunctionDescriptor function, ParameterInfo parameter, QueueMessage message, CancellationToken cancellationToken)
    {
        if (parameter.ParameterType == typeof(CancellationToken))
        {
            return cancellationToken;
        }

        var type = parameter.ParameterType;
        return type == typeof(QueueMessage) ? message
            : type == typeof(string) ? message.Body.ToString()
            : type == typeof(BinaryData) ? message.Body
            : type == typeof(byte[]) ? message.Body.ToArray()
            : JsonSerializer.Deserialize(message.Body.ToString(), type, JsonSerializerOptions.Web)
                ?? throw new InvalidOperationException($"Queue message for {function.Name} deserialized to null.");
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 9301, EventName = "QueuePolling", Level = LogLevel.Information, Message = "Queue function {Function} polls queue {Queue}")]
        public static partial void Polling(ILogger logger, string function, string queue);

        [LoggerMessage(EventId = 9302, EventName = "QueuePollFailed", Level = LogLevel.Warning, Message = "Queue function {Function} could not poll its queue; retrying")]
        public static partial void PollFailed(ILogger logger, string function, Exception exception);

        [LoggerMessage(EventId = 9306, EventName = "QueuePollRecovered", Level = LogLevel.Information, Message = "Queue function {Function} polls its queue again")]
        public static partial void PollRecovered(ILogger logger, string function);

        [LoggerMessage(EventId = 9307, EventName = "QueuePollStillFailing", Level = LogLevel.Debug, Message = "Queue function {Function} still cannot poll its queue ({Error})")]
        public static partial void PollStillFailing(ILogger logger, string function, string error);

        [LoggerMessage(EventId = 9308, EventName = "QueueRunStopped", Level = LogLevel.Information, Message = "Queue function {Function} stopped while running message {MessageId} ({Outcome}); it is retried after its visibility timeout")]
        public static partial void StoppedDuringRun(ILogger logger, string function, string messageId, string outcome);

        [LoggerMessage(EventId = 9303, EventName = "QueueMessageFailed", Level = LogLevel.Warning, Message = "Queue function {Function} failed on message {MessageId} (try {DequeueCount}); it will be retried")]
        public static partial void Failed(ILogger logger, string function, string messageId, long dequeueCount, Exception exception);

        [LoggerMessage(EventId = 9304, EventName = "QueueMessagePoisoned", Level = LogLevel.Error, Message = "Queue function {Function} failed on message {MessageId} {DequeueCount} times; moved to {PoisonQueue}")]
        public static partial void Poisoned(ILogger logger, string function, string messageId, long dequeueCount, string poisonQueue, Exception exception);

        [LoggerMessage(EventId = 9305, EventName = "QueueFailHandlingFailed", Level = LogLevel.Warning, Message = "Queue function {Function}: could not release or poison message {MessageId}; it reappears after its visibility timeout")]
        public static partial void FailHandlingFailed(ILogger logger, string function, string messageId, Exception exception);
    }
}
