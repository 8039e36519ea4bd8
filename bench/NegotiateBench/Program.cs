using FunctionsDashboard.NegotiateBench;

// Negotiate benchmark: see bench/NegotiateBench/README.md.
return await NegotiateBenchmark.RunAsync(BenchSettings.Parse(args));
