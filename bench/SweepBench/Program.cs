using FunctionsDashboard.Bench;

// The issue-4 sweep benchmark; see bench/sweep.sh. Exit codes: 0 targets met, 1 a target missed, 2 a run did not
// remove exactly the stale connections (or the run failed).
BenchSettings settings;
try
{
    settings = BenchSettings.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

// Every step is bounded; the whole run too.
using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(60));
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cts.Cancel();
};

await using var loopback = await LoopbackSignalR.StartAsync(cts.Token);
using var counter = new RequestCounter(settings.TablePort);
try
{
    return await new SweepBenchmark(settings, loopback, counter, Console.Error).RunAsync(cts.Token);
}
catch (OperationCanceledException) when (cts.IsCancellationRequested)
{
    Console.Error.WriteLine("Cancelled (Ctrl-C or the 60-minute bound).");
    return 130;
}
