using Azure;
using Azure.Data.Tables;
using FunctionsDashboard.Relay;

namespace FunctionsDashboard.EventLog;

public sealed partial class EventLogWriter
{
    // The outbox on the head: removing handed-off ranges when no commit carries the removal (FlushAsync),
    // and handing off again the ranges a crash left pending (RecoverAsync, the sweep).
    private sealed partial class StreamWriter
    {
        private async Task FlushAsync()
        {
            try
            {
                await log._writePipeline.ExecuteAsync(
                    async ct =>
                    {
                        _head ??= await LoadHeadAsync(ct);
                        var handedOff = HandedOffSnapshot();
                        var remaining = PendingRange.Without(_head.Pending, handedOff);
                        if (remaining.SequenceEqual(_head.Pending) || _head.ETag is not { } etag)
                        {
                            ForgetHandedOff(handedOff);
                            return;
                        }

                        try
                        {
                            var head = _head with { Pending = remaining };
                            _budget.Charge(1);
                            var response = await log._store.WriteTable(_head.Bucket).UpdateEntityAsync(
                                EventLogLayout.Head(head, log._timeProvider.GetUtcNow()), etag, TableUpdateMode.Replace, ct);
                            _head = head with { ETag = response.Headers.ETag };
                            ForgetHandedOff(handedOff);
                        }
                        catch (RequestFailedException e) when (e.Status == 412)
                        {
                            _head = null;
                            throw new EventLogConflictException($"The head of stream '{stream}' changed (HTTP 412).");
                        }
                        catch (Exception e) when (e is not EventLogConflictException)
                        {
                            _head = null;
                            throw;
                        }
                    },
                    CancellationToken.None);
            }
            catch (Exception e)
            {
                // The ranges stay in the outbox; the next commit removes them, or the sweep hands them off again.
                EventLogLog.FlushFailed(log._logger, stream, e);
                _flushFailed = true;
            }
        }

        private async Task RecoverAsync(RecoveryRequest request)
        {
            try
            {
                _head = await log._writePipeline.ExecuteAsync(async ct => await LoadHeadAsync(ct), CancellationToken.None);
                var count = 0;
                foreach (var range in _head.Pending.Where(r => r.Since <= request.Cutoff).SelectMany(NotHandedOff).ToList())
                {
                    try
                    {
                        await log.HandOffAsync(stream, range);
                        AddHandedOff(range);
                        count++;
                        log._stats.ReHandedOff();
                        EventLogLog.ReHandedOff(log._logger, stream, range.First, range.Last, "outbox sweep");
                    }
                    catch (Exception e)
                    {
                        EventLogLog.HandOffFailed(log._logger, stream, range.First, range.Last, e);
                    }
                }

                request.Completion.TrySetResult(count);
            }
            catch (Exception e)
            {
                request.Completion.TrySetException(e);
            }
        }

        private sealed class RecoveryRequest(DateTimeOffset cutoff)
        {
            public DateTimeOffset Cutoff { get; } = cutoff;

            public TaskCompletionSource<int> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }
}
