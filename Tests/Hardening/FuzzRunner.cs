using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;

namespace FunctionsDashboard.Tests.Hardening;

/// <summary>What one class of input got back.</summary>
public sealed class ClassTally
{
    private int _sent;
    private int _success;
    private int _rejected;

    public ConcurrentDictionary<int, int> Statuses { get; } = new();

    public int Sent => _sent;

    public int Success => _success;

    public int Rejected => _rejected;

    public void Add(int status)
    {
        Interlocked.Increment(ref _sent);
        Interlocked.Increment(ref status < 400 ? ref _success : ref _rejected);
        Statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
    }
}

/// <summary>Sends the cases concurrently over real HTTP and checks every answer: never 5xx, errors only as problem+json.</summary>
public sealed class FuzzRunner(Uri baseAddress, int concurrency)
{
    public ConcurrentDictionary<string, ClassTally> Tallies { get; } = new(StringComparer.Ordinal);

    public ConcurrentQueue<string> Failures { get; } = new();

    /// <summary>Webhook acks (stream → new events accepted, not duplicates).</summary>
    public ConcurrentDictionary<string, long> AcceptedPerStream { get; } = new(StringComparer.Ordinal);

    public long AcceptedTotal;

    public long DuplicatesTotal;

    /// <summary>Connection ids some upstream call was answered 2xx for (the registry may hold them now).</summary>
    public ConcurrentDictionary<string, bool> AcceptedConnections { get; } = new(StringComparer.Ordinal);

    public async Task RunAsync(IEnumerable<FuzzCase> cases, CancellationToken cancellationToken)
    {
        using var handler = new SocketsHttpHandler
        {
            // Header values go out as UTF-8 bytes (Kestrel decodes them as UTF-8), so non-ASCII values reach the app.
            RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8,
            MaxConnectionsPerServer = concurrency,
            AllowAutoRedirect = false,
        };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        var queue = new ConcurrentQueue<FuzzCase>(cases);
        var workers = Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (queue.TryDequeue(out var fuzzCase))
            {
                await SendAsync(client, fuzzCase, cancellationToken);
            }
        });
        await Task.WhenAll(workers);
    }

    private async Task SendAsync(HttpClient client, FuzzCase fuzzCase, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(new HttpMethod(fuzzCase.Method), new Uri(baseAddress + fuzzCase.PathAndQuery.TrimStart('/'), new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true }));
        if (fuzzCase.Body is { } body)
        {
            request.Content = new ByteArrayContent(body);
        }

        if (fuzzCase.ContentType is { } contentType)
        {
            request.Content ??= new ByteArrayContent([]);
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        foreach (var (name, value) in fuzzCase.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            Failures.Enqueue($"{fuzzCase.Class}: {fuzzCase.Method} {Short(fuzzCase.PathAndQuery)}: no answer ({e.Message})");
            return;
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            Tallies.GetOrAdd(fuzzCase.Class, _ => new ClassTally()).Add(status);
            if (fuzzCase.IsStream && status == 200)
            {
                if (response.Content.Headers.ContentType?.MediaType != "text/event-stream")
                {
                    Failures.Enqueue($"{fuzzCase.Class}: 200 without text/event-stream");
                }

                return; // disposing ends the stream, as a client going away does
            }

            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (status >= 500)
            {
                Failures.Enqueue($"{fuzzCase.Class}: {status} for {fuzzCase.Method} {Short(fuzzCase.PathAndQuery)}: {Short(text)}");
                return;
            }

            if (status >= 400)
            {
                CheckProblem(fuzzCase, status, response, text);
                return;
            }

            Account(fuzzCase, text);
        }
    }

    private void CheckProblem(FuzzCase fuzzCase, int status, HttpResponseMessage response, string text)
    {
        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            Failures.Enqueue($"{fuzzCase.Class}: {status} as '{response.Content.Headers.ContentType}' for {fuzzCase.Method} {Short(fuzzCase.PathAndQuery)}: {Short(text)}");
            return;
        }

        try
        {
            using var problem = JsonDocument.Parse(text);
            if (!problem.RootElement.TryGetProperty("status", out var s) || s.GetInt32() != status || !problem.RootElement.TryGetProperty("title", out _))
            {
                Failures.Enqueue($"{fuzzCase.Class}: {status} problem without matching status/title: {Short(text)}");
            }
        }
        catch (JsonException)
        {
            Failures.Enqueue($"{fuzzCase.Class}: {status} problem+json that is not JSON: {Short(text)}");
        }

        if (text.Contains("Exception", StringComparison.Ordinal) || text.Contains("   at ", StringComparison.Ordinal))
        {
            Failures.Enqueue($"{fuzzCase.Class}: {status} problem with exception text: {Short(text)}");
        }
    }

    private void Account(FuzzCase fuzzCase, string text)
    {
        if (fuzzCase.ConnectionId is { } connectionId)
        {
            AcceptedConnections[connectionId] = true;
            return;
        }

        if (fuzzCase.Method != "POST" || !fuzzCase.PathAndQuery.StartsWith("/api/eventgrid", StringComparison.Ordinal))
        {
            return;
        }

        using var ack = JsonDocument.Parse(text);
        if (!ack.RootElement.TryGetProperty("events", out var events))
        {
            return; // a validation handshake answered
        }

        Interlocked.Add(ref AcceptedTotal, ack.RootElement.GetProperty("accepted").GetInt64());
        Interlocked.Add(ref DuplicatesTotal, ack.RootElement.GetProperty("duplicates").GetInt64());
        foreach (var e in events.EnumerateArray().Where(e => !e.GetProperty("duplicate").GetBoolean()))
        {
            AcceptedPerStream.AddOrUpdate(e.GetProperty("stream").GetString()!, 1, (_, n) => n + 1);
        }
    }

    private static string Short(string text) => text.Length <= 300 ? text : text[..300] + "…";
}
