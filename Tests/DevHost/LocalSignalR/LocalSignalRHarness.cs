using System.Security.Claims;
using System.Threading.Channels;
using FunctionsDashboard.DevHost.LocalSignalR;
using FunctionsDashboard.SignalR;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Tests.DevHost.LocalSignalR;

/// <summary>
/// DevHost with its local SignalR Service on a free loopback port, its upstream pointed at an
/// <see cref="UpstreamRecorder"/> (so the local Service is tested alone, without the app's upstream function), plus
/// helpers to connect real .NET clients with tokens from <see cref="SignalRTokenService"/>.
/// </summary>
public sealed class LocalSignalRHarness : IAsyncDisposable
{
    public const string Hub = "dashboard";

    private readonly List<HubConnection> _clients = [];

    private LocalSignalRHarness(UpstreamRecorder upstream, DevHostServer server)
    {
        Upstream = upstream;
        Server = server;
    }

    public UpstreamRecorder Upstream { get; }

    public DevHostServer Server { get; }

    public SignalRTokenService Tokens => Server.Services.GetRequiredService<SignalRTokenService>();

    internal LocalSignalRFaults Faults => Server.Services.GetRequiredService<LocalSignalRFaults>();

    public SignalRRestClient Rest => Server.Services.GetRequiredService<SignalRRestClient>();

    public SignalROptions Options => Server.Services.GetRequiredService<IOptions<SignalROptions>>().Value;

    public static async Task<LocalSignalRHarness> StartAsync(
        AzuriteFixture azurite, IDictionary<string, string?>? settings = null, Action<WebApplicationBuilder>? configure = null)
    {
        var upstream = await UpstreamRecorder.StartAsync();
        var all = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase) { ["LocalSignalR:UpstreamUrl"] = upstream.UpstreamUrl };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        try
        {
            return new LocalSignalRHarness(upstream, await DevHostServer.StartAsync(azurite.ConnectionString, all, configure: configure));
        }
        catch
        {
            await upstream.DisposeAsync();
            throw;
        }
    }

    /// <summary>The client URL of <paramref name="hub"/>, as the app's negotiate hands it out.</summary>
    public string ClientUrl(string hub = Hub) => Tokens.ClientUrl(hub);

    /// <summary>A .NET client for <paramref name="hub"/> with a valid token for <paramref name="user"/> (or <paramref name="token"/>).</summary>
    public HubConnection CreateClient(string? user = "alice", string hub = Hub, HttpTransportType? transport = null, string? token = null, IEnumerable<Claim>? claims = null)
    {
        token ??= Tokens.CreateClientToken(hub, user, claims);
        var client = new HubConnectionBuilder()
            .WithUrl(ClientUrl(hub), options =>
            {
                options.AccessTokenProvider = () => Task.FromResult<string?>(token);
                if (transport is { } t)
                {
                    options.Transports = t;
                    options.SkipNegotiation = false;
                }
            })
            .Build();
        _clients.Add(client);
        return client;
    }

    /// <summary>Connects a client and returns it with a channel of what it receives for <paramref name="method"/>.</summary>
    public async Task<(HubConnection Client, ChannelReader<string> Received)> ConnectAsync(
        string? user = "alice", string hub = Hub, HttpTransportType? transport = null, string method = "event")
    {
        var client = CreateClient(user, hub, transport);
        var received = Channel.CreateUnbounded<string>();
        client.On<System.Text.Json.JsonElement>(method, payload => received.Writer.TryWrite(payload.GetRawText()));
        await client.StartAsync();
        return (client, received.Reader);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            await client.DisposeAsync();
        }

        await Server.DisposeAsync();
        await Upstream.DisposeAsync();
    }
}
