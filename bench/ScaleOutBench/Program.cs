using FunctionsDashboard.Bench;

// Retention prune cost and two DevHost processes: see bench/ScaleOutBench/README.md.
return await ScaleOutBenchmark.RunAsync(args);
