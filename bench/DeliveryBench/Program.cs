using FunctionsDashboard.DeliveryBench;

// Delivery benchmark: see bench/DeliveryBench/README.md.
return await DeliveryBenchmark.RunAsync(BenchSettings.Parse(args));
