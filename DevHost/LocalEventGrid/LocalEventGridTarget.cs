using FunctionsDashboard.Relay;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.DevHost.LocalEventGrid;

/// <summary>
/// The subscription's endpoint: <c>LocalEventGrid:DeliveryUrl</c>, or DevHost's own bound address (known only once Kestrel
/// listens, so resolved at delivery time) + <c>/{routePrefix}/eventgrid?code={Relay:WebhookSecret}</c>.
/// </summary>
internal sealed class LocalEventGridTarget(IServer server, IOptions<LocalEventGridOptions> options, IOptions<RelayOptions> relayOptions, string routePrefix)
{
    public Uri Resolve()
    {
        if (!string.IsNullOrWhiteSpace(options.Value.DeliveryUrl))
        {
            return new Uri(options.Value.DeliveryUrl);
        }

        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("DevHost is not listening yet.");
        var secret = string.IsNullOrEmpty(options.Value.DeliverySecret) ? relayOptions.Value.WebhookSecret : options.Value.DeliverySecret;
        var own = new UriBuilder(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("localhost", "127.0.0.1", StringComparison.Ordinal))
        {
            Path = string.IsNullOrEmpty(routePrefix) ? "/eventgrid" : $"/{routePrefix}/eventgrid",
            Query = string.IsNullOrEmpty(secret) ? "" : $"{WebhookSecret.QueryName}={Uri.EscapeDataString(secret)}",
        };
        return own.Uri;
    }
}
