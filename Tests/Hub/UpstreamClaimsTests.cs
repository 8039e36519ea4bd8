using FunctionsDashboard.Hub;

namespace FunctionsDashboard.Tests.Hub;

public sealed class UpstreamClaimsTests
{
    [Fact]
    public void ParseClaims_TypeValuePairs_AreSplit()
    {
        var claims = UpstreamDispatcher.ParseClaims("role: ops, tenant: north: east");

        Assert.Equal([new("role", "ops"), new("tenant", "north: east")], claims);
    }

    [Fact]
    public void ParseClaims_Empty_IsEmpty() => Assert.Empty(UpstreamDispatcher.ParseClaims(null));
}
