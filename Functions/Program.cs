using FunctionsDashboard.Functions;
using FunctionsDashboard.Functions.Hosting;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

// The Azure Functions isolated worker. The same composition runs under DevHost (see DevHost/Program.cs).
var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.UseProblemDetailsForUnhandledExceptions();
builder.AddDashboard();
builder.Build().Run();
