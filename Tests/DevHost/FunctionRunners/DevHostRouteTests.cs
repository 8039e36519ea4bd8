using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using FunctionsDashboard.DevHost.FunctionRunners;
using FunctionsDashboard.Tests.Hosting;
using Microsoft.Azure.Functions.Worker;

namespace FunctionsDashboard.Tests.DevHost.FunctionRunners;

/// <summary>DevHost serves every HTTP function of the Functions assembly at its Azure route and verbs: none is forgotten.</summary>
[Collection(AzuriteCollection.Name)]
public sealed partial class DevHostRouteTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task EveryHttpFunction_IsServedAtItsRouteAndVerbs()
    {
        var httpFunctions = FunctionsMetadataTests.DeclaredFunctions()
            .Where(f => f.Trigger is HttpTriggerAttribute)
            .ToList();
        Assert.NotEmpty(httpFunctions);

        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString);
        foreach (var (name, _, trigger) in httpFunctions)
        {
            var http = (HttpTriggerAttribute)trigger;
            var path = "/api/" + RouteParameter().Replace(http.Route ?? name, "x");
            foreach (var method in http.Methods!)
            {
                using var request = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), path);
                // Headers first: a streaming function (SSE) never ends its body on its own.
                using var response = await server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);

                Assert.True(response.StatusCode != HttpStatusCode.MethodNotAllowed, $"{name}: {method} {path} answered 405");
                if (response.Content.Headers.ContentType?.MediaType == "application/problem+json")
                {
                    var body = await response.Content.ReadAsStringAsync();
                    Assert.False(body.Contains(HttpFunctionEndpoints.NoFunctionProblemType, StringComparison.Ordinal), $"{name}: {method} {path} is not mapped");
                }
            }
        }
    }

    [Fact]
    public async Task UnknownRoute_IsProblemJson404()
    {
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString);

        using var response = await server.Client.GetAsync("/api/no-such-function");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpFunctionEndpoints.NoFunctionProblemType, problem.RootElement.GetProperty("type").GetString());
    }

    [Fact]
    public async Task WrongVerb_IsProblemJson405()
    {
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString);

        using var response = await server.Client.DeleteAsync("/api/health");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex RouteParameter();
}
