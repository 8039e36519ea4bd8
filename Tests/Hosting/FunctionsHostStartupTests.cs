using FunctionsDashboard.Functions;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Tests.Hosting;

/// <summary>The real Functions worker host validates the options before it does anything else.</summary>
public sealed class FunctionsHostStartupTests
{
    [Fact]
    public async Task StartAsync_StaleTimeoutBelowTwoHeartbeats_StopsTheWorkerHost()
    {
        var builder = FunctionsApplication.CreateBuilder([]);
        builder.ConfigureFunctionsWebApplication();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            // What the Functions host passes to the worker it launches (nothing listens there: validation must fail first).
            ["Functions:Worker:HostEndpoint"] = "http://127.0.0.1:9",
            ["Functions:Worker:WorkerId"] = "test-worker",
            ["Functions:Worker:RequestId"] = "test-request",
            ["Functions:Worker:GrpcMaxMessageLength"] = "2147483647",
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
            ["AzureSignalRConnectionString"] = "Endpoint=http://127.0.0.1:7071/localsignalr;AccessKey=ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH;Version=1.0;",
            ["Relay:WebhookSecret"] = "test-secret",
            ["Dashboard:HeartbeatInterval"] = "00:00:25",
            ["Dashboard:StaleTimeout"] = "00:00:30",
        });
        builder.AddDashboard();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Dashboard:StaleTimeout", error.Message, StringComparison.Ordinal);
    }
}
