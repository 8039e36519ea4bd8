using FunctionsDashboard.Bench;

// Event log benchmark: see bench/EventLogBench/README.md.
return await EventLogBenchmark.RunAsync(BenchSettings.Parse(args));
