using FunctionsDashboard.Connections;

namespace FunctionsDashboard.Tests.Connections;

public sealed class CorsPolicyTests
{
    private const string Own = "http://127.0.0.1:7071";

    [Fact]
    public void Evaluate_NoOrigin_AllowedWithoutHeaders() =>
        Assert.Equal(new CorsDecision(true, null, false), CorsPolicy.Evaluate(null, Own, []));

    [Fact]
    public void Evaluate_OwnOrigin_AllowedWithCredentials() =>
        Assert.Equal(new CorsDecision(true, Own, true), CorsPolicy.Evaluate(Own, Own, []));

    [Fact]
    public void Evaluate_ListedOrigin_EchoedWithCredentials() =>
        Assert.Equal(new CorsDecision(true, "https://ops.example.com", true), CorsPolicy.Evaluate("https://ops.example.com", Own, ["https://OPS.example.com"]));

    [Fact]
    public void Evaluate_Wildcard_AllowsAnyOriginWithoutCredentials() =>
        Assert.Equal(new CorsDecision(true, "*", false), CorsPolicy.Evaluate("https://elsewhere.example", Own, ["*"]));

    [Fact]
    public void Evaluate_UnlistedOrigin_Refused() =>
        Assert.False(CorsPolicy.Evaluate("https://evil.example", Own, ["https://ops.example.com"]).Allowed);
}
