using FunctionsDashboard.Bench;

// Relay benchmark: see bench/RelayBench/README.md.
return await RelayBenchmark.RunAsync(BenchSettings.Parse(args));
