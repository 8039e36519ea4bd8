using FunctionsDashboard.SseBench;

// bench/sse.sh runs the load generator; the load generator starts this same program as "server --mode ..." for each measurement.
try
{
    return args is ["server", ..]
        ? await BenchServer.RunAsync(args[1..])
        : await SseMemoryBenchmark.RunAsync(BenchSettings.Parse(args));
}
catch (ArgumentException e)
{
    await Console.Error.WriteLineAsync($"sse-bench: {e.Message}");
    return 64;
}
catch (Exception e) when (e is not OperationCanceledException)
{
    await Console.Error.WriteLineAsync($"sse-bench failed: {e}");
    return 1;
}
