namespace FunctionsDashboard.Tests.Support;

/// <summary>
/// Waits for a condition that another component makes true asynchronously (an upstream call, a timer function), by
/// checking it again every 50 ms, bounded by a timeout. Not a sleep standing in for a result: the condition is the result.
/// </summary>
public static class Eventually
{
    public static async Task<T> WaitAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, string what)
    {
        using var cts = new CancellationTokenSource(timeout);
        T last = default!;
        while (!cts.IsCancellationRequested)
        {
            last = await probe();
            if (done(last))
            {
                return last;
            }

            try
            {
                await Task.Delay(50, cts.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        throw new TimeoutException($"Timed out after {timeout} waiting for {what}; last seen: {last}");
    }
}
