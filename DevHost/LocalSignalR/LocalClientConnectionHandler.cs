using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.DevHost.LocalSignalR;

/// <summary>
/// A client connection of the local Service, after ASP.NET Core's connection dispatcher has done negotiate and the
/// transport (WebSockets, SSE, long polling): the JSON hub-protocol handshake, then every invocation the client sends
/// goes upstream as <c>messages/{target}</c>, in order, one at a time; a blocking invocation gets the upstream's
/// completion back. The Service pings idle clients and closes silent ones (SignalR's keep-alive rules, on the
/// <see cref="TimeProvider"/>). <c>connected</c> goes upstream before the first invocation and <c>disconnected</c>
/// after the connection left its hub, so the app never sees them out of order.
/// </summary>
internal sealed class LocalClientConnectionHandler(
    LocalHubStore store,
    LocalUpstreamCaller upstream,
    LocalSignalRFaults faults,
    IOptions<LocalSignalROptions> options,
    TimeProvider timeProvider,
    ILogger<LocalClientConnectionHandler> logger) : ConnectionHandler
{
    private const int InvocationQueueCapacity = 64;
    private static readonly TimeSpan TickInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan CloseWriteTimeout = TimeSpan.FromSeconds(5);

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var http = connection.GetHttpContext()!;
        var hub = LocalClientAuthentication.HubOf(http.Request)!;
        if (faults.Current.Offline || !await HandshakeAsync(connection))
        {
            return;
        }

        var client = new LocalClientConnection(
            connection,
            hub,
            LocalClientAuthentication.UserIdOf(http.User),
            LocalClientAuthentication.ClaimStrings(http.User),
            http.Request.QueryString.ToString(),
            timeProvider);
        var localHub = store.GetOrAdd(hub);
        localHub.Add(client);
        LocalSignalRLog.Connected(logger, client.ConnectionId, hub, client.UserId);

        string? error = null;
        var invocations = Channel.CreateBounded<IncomingFrame>(new BoundedChannelOptions(InvocationQueueCapacity) { SingleReader = true, SingleWriter = true });
        var worker = Task.CompletedTask;
        try
        {
            using var keepAlive = timeProvider.CreateTimer(_ => Tick(client), null, TickInterval, TickInterval);

            await ConnectedAsync(client);
            worker = ProcessInvocationsAsync(client, invocations.Reader);
            error = await ReadMessagesAsync(client, invocations.Writer);
        }
        catch (InvalidDataException e)
        {
            error = $"Connection closed with an error. {e.Message}";
            LocalSignalRLog.ProtocolError(logger, client.ConnectionId, e.Message);
            client.RequestClose(error, CloseKind.Graceful);
        }
        finally
        {
            // Leave the hub and end the transport first (the client sees the close at once), then let invocations the
            // client sent before leaving finish, and only then tell the app: it never sees 'disconnected' early.
            invocations.Writer.TryComplete();
            localHub.Remove(client);
            var close = client.CloseRequested;
            if (close is { Kind: CloseKind.Graceful })
            {
                using var timeout = new CancellationTokenSource(CloseWriteTimeout, timeProvider);
                await client.SendAsync(HubFrames.Close(close.Error, close.AllowReconnect), timeout.Token);
            }

            await client.CompleteAsync();
            await worker;
            var reason = close?.Error ?? error;
            LocalSignalRLog.Disconnected(logger, client.ConnectionId, hub, reason ?? "closed");
            await upstream.DisconnectedAsync(client, reason);
        }
    }

    private async Task ConnectedAsync(LocalClientConnection client)
    {
        var reply = await upstream.ConnectedAsync(client);
        if (reply.Status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden && options.Value.CloseOnConnectedRejected)
        {
            LocalSignalRLog.ConnectedRejected(logger, client.ConnectionId, (int)reply.Status);
            client.RequestClose($"The app rejected the connection (upstream 'connected' answered {(int)reply.Status}).", CloseKind.Graceful);
        }
    }

    /// <summary>Reads hub messages until the client leaves or the Service closes; returns the error, if any.</summary>
    private static async Task<string?> ReadMessagesAsync(LocalClientConnection client, ChannelWriter<IncomingFrame> invocations)
    {
        var input = client.Input;
        while (client.CloseRequested is null)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync();
            }
            catch (Exception e) when (e is IOException or ConnectionAbortedException or OperationCanceledException or InvalidOperationException)
            {
                return client.CloseRequested is null ? e.Message : null;
            }

            var buffer = result.Buffer;
            try
            {
                if (result.IsCanceled)
                {
                    return null;
                }

                while (HubFrames.TryReadRecord(ref buffer, out var record))
                {
                    client.MarkReceived();
                    var frame = HubFrames.ParseIncoming(record);
                    switch (frame.Type)
                    {
                        case HubFrames.Types.Invocation:
                            try
                            {
                                await invocations.WriteAsync(frame, client.Closing);
                            }
                            catch (OperationCanceledException)
                            {
                                return null;
                            }

                            break;
                        case HubFrames.Types.StreamInvocation when frame.InvocationId is { } id:
                            await client.SendAsync(HubFrames.Write(CompletionMessage.WithError(id, "Streaming invocations are not supported by the SignalR Service in serverless mode.")), client.Closing);
                            break;
                        case HubFrames.Types.Close:
                            return null;
                        default:
                            // Pings, completions of client results, cancellations: nothing to forward.
                            break;
                    }
                }

                if (buffer.Length > HubFrames.MaxMessageSize)
                {
                    throw new InvalidDataException($"A message is larger than {HubFrames.MaxMessageSize} bytes.");
                }

                if (result.IsCompleted)
                {
                    return buffer.IsEmpty ? null : "Connection terminated while reading a message.";
                }
            }
            finally
            {
                input.AdvanceTo(buffer.Start, buffer.End);
            }
        }

        return null;
    }

    /// <summary>Forwards invocations upstream one at a time; answers blocking ones with the upstream's completion.</summary>
    private async Task ProcessInvocationsAsync(LocalClientConnection client, ChannelReader<IncomingFrame> invocations)
    {
        try
        {
            await foreach (var invocation in invocations.ReadAllAsync(client.Closing))
            {
                var reply = await upstream.InvocationAsync(client, invocation);
                if (invocation.InvocationId is { } id)
                {
                    await client.SendAsync(HubFrames.Write(Completion(id, reply)), client.Closing);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The connection is closing: queued invocations are not forwarded.
        }
    }

    /// <summary>The emulator's rules: 200 with a body is the completion frame, 200 empty or 204 is an empty completion, else an error.</summary>
    internal static CompletionMessage Completion(string invocationId, UpstreamReply reply) => reply.Status switch
    {
        HttpStatusCode.OK when reply.Body.Length > 0 => HubFrames.CompletionFromUpstream(invocationId, reply.Body),
        HttpStatusCode.OK or HttpStatusCode.NoContent => CompletionMessage.Empty(invocationId),
        { } status => CompletionMessage.WithError(invocationId, $"Invocation failed, status code {(int)status}"),
        null => CompletionMessage.WithError(invocationId, $"Invocation failed, status code {(int)HttpStatusCode.InternalServerError}"),
    };

    private void Tick(LocalClientConnection client)
    {
        var settings = options.Value;
        if (client.SinceReceived >= settings.ClientTimeoutInterval)
        {
            client.RequestClose($"Server timeout elapsed without receiving a message from the client within {settings.ClientTimeoutInterval}.", CloseKind.Graceful);
        }
        else if (client.SinceSent >= settings.KeepAliveInterval)
        {
            client.Ping();
        }
    }

    /// <summary>The hub-protocol handshake: JSON protocol only (the Service also speaks MessagePack; DevHost's dashboards do not).</summary>
    private async Task<bool> HandshakeAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        using var timeout = new CancellationTokenSource(options.Value.HandshakeTimeout, timeProvider);
        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync(timeout.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or ConnectionAbortedException or InvalidOperationException)
            {
                return false;
            }

            var buffer = result.Buffer;
            var consumed = buffer.Start;
            var examined = buffer.End;
            try
            {
                if (result.IsCanceled)
                {
                    return false;
                }

                if (!buffer.IsEmpty)
                {
                    HandshakeRequestMessage? request;
                    try
                    {
                        if (!HandshakeProtocol.TryParseRequestMessage(ref buffer, out request))
                        {
                            if (buffer.Length > HubFrames.MaxMessageSize)
                            {
                                await HandshakeResponseAsync(connection, "Handshake request is too large.");
                                return false;
                            }

                            continue;
                        }
                    }
                    catch (InvalidDataException e)
                    {
                        await HandshakeResponseAsync(connection, $"Handshake request is invalid: {e.Message}");
                        return false;
                    }

                    consumed = examined = buffer.Start;
                    if (!string.Equals(request.Protocol, HubFrames.ProtocolName, StringComparison.OrdinalIgnoreCase) || request.Version < 1)
                    {
                        await HandshakeResponseAsync(connection, $"The protocol '{request.Protocol}' (version {request.Version}) is not supported; the local SignalR Service speaks 'json' version 1.");
                        return false;
                    }

                    await HandshakeResponseAsync(connection, null);
                    return true;
                }

                if (result.IsCompleted)
                {
                    return false;
                }
            }
            finally
            {
                input.AdvanceTo(consumed, examined);
            }
        }
    }

    private static async Task HandshakeResponseAsync(ConnectionContext connection, string? error)
    {
        var writer = new ArrayBufferWriter<byte>();
        HandshakeProtocol.WriteResponseMessage(error is null ? HandshakeResponseMessage.Empty : new HandshakeResponseMessage(error), writer);
        try
        {
            await connection.Transport.Output.WriteAsync(writer.WrittenMemory);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or ConnectionAbortedException)
        {
            // The client left during the handshake.
        }
    }
}
