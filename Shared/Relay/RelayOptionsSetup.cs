using FunctionsDashboard.Options;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Relay;

/// <summary>
/// Computed defaults of <see cref="RelayOptions"/>: the delivery try timeout follows <c>Dashboard:ConnectionTimeout</c>.
/// Registered before the configuration binding, so an explicit <c>Relay:Delivery:AttemptTimeout</c> still wins.
/// </summary>
internal sealed class RelayOptionsSetup(IOptions<DashboardOptions> dashboardOptions) : IConfigureOptions<RelayOptions>
{
    public void Configure(RelayOptions options) =>
        options.Delivery.AttemptTimeout = dashboardOptions.Value.ConnectionTimeout;
}
