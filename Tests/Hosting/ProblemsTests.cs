using System.Net;
using System.Text.Json;
using FunctionsDashboard.Functions.Hosting;
using Microsoft.AspNetCore.Http;

namespace FunctionsDashboard.Tests.Hosting;

/// <summary>Issue #14 items 1 and 4: uniform problem+json errors, never exception text.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ProblemsTests(AzuriteFixture azurite)
{
    [Fact]
    public void Unhandled_CarriesTheCorrelationIdAndNoExceptionText()
    {
        var problem = Problems.Unhandled("abc123");

        Assert.Equal(500, problem.StatusCode);
        Assert.Equal("abc123", problem.ProblemDetails.Extensions[Problems.CorrelationIdMember]);
        Assert.Contains("abc123", problem.ProblemDetails.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void ForBareStatusResult_BareStatusesBecomeProblems_OthersStay()
    {
        Assert.Equal(415, Problems.ForBareStatusResult(TypedResults.StatusCode(415), "POST")?.StatusCode);
        Assert.Equal(404, Problems.ForBareStatusResult(TypedResults.NotFound(), "GET")?.StatusCode);
        Assert.Equal(405, Problems.ForBareStatusResult(TypedResults.StatusCode(405), "PUT")?.StatusCode);
        Assert.Null(Problems.ForBareStatusResult(TypedResults.Problem(statusCode: 400), "GET"));
        Assert.Null(Problems.ForBareStatusResult(TypedResults.NotFound("body"), "GET"));
        Assert.Null(Problems.ForBareStatusResult(TypedResults.NoContent(), "GET"));
        Assert.Null(Problems.ForBareStatusResult(TypedResults.Text("x", statusCode: 400), "GET"));
        Assert.Null(Problems.ForBareStatusResult(null, "GET"));
    }

    [Theory]
    [InlineData("PUT", "/api/relay/stats", "text/plain", 405)]
    [InlineData("DELETE", "/api/eventgrid", "text/html", 405)]
    [InlineData("GET", "/api/signalr/upstream", "application/xml", 405)]
    [InlineData("GET", "/api/nope", "text/html", 404)]
    public async Task DevHost_RoutingErrors_AreProblemJsonWhateverTheAcceptHeader_Issue14(string method, string path, string accept, int expected)
    {
        await using var server = await DevHostServer.StartAsync(azurite.ConnectionString);
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Headers.TryAddWithoutValidation("Accept", accept);

        using var response = await server.Client.SendAsync(request);

        Assert.Equal((HttpStatusCode)expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(expected, problem.RootElement.GetProperty("status").GetInt32());
        if (expected == 405)
        {
            Assert.NotEmpty(response.Content.Headers.Allow);
        }
    }
}
