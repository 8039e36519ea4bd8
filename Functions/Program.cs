using FunctionsDashboard.Functions;
using FunctionsDashboard.Functions.Hosting;
using FunctionsDashboard.Observability;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// The Azure Functions isolated worker. The same composition runs under DevHost (see DevHost/Program.cs); telemetry and
// log levels are configured by it for both hosts (Shared/Observability, docs/observability.md).
var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.UseProblemDetailsForUnhandledExceptions();
// The worker's own console: the host prints a worker's stdout, also for lines written outside function runs.
builder.Logging.AddConsole();
builder.AddDashboard();
if (ObservabilityExtensions.IsExportConfigured(builder.Configuration))
{
    // The worker's invocation spans and the Functions resource attributes, next to the app's own (host.json telemetryMode).
    builder.Services.AddOpenTelemetry().UseFunctionsWorkerDefaults();
}

builder.Build().Run();
