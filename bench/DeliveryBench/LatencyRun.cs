using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsDashboard.DeliveryBench;

/// <summary>What one latency row measured.</summary>
internal sealed record LatencyResult(string Mode, int Clients, int Published, int PublishFailures, long Expected, long Received, long Duplicates, double P50, double P90, double P99, double Max)
{
    public long Lost => Expected - Received;

    public static string Header =>
        "| mode | clients | events published (measured) | publish failures | receipts expected / received / lost / duplicates | p50 ms | p90 ms | p99 ms | max ms |\n" +
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|";

    public string Row(string note = "") => string.Create(CultureInfo.InvariantCulture,
        $"| {Mode} | {Clients} | {Published} | {PublishFailures} | {Expected} / {Received} / {Lost} / {Duplicates} | {P50:0.0} | {P90:0.0} | {P99:0.0} | {Max:0} |{(note.Length > 0 ? " " + note : "")}");
}

/// <summary>
/// One open-loop latency row: <c>clients</c> receivers connected first, then events published at <c>rate</c> per second,
/// one per HTTP request, each carrying its publish timestamp (<see cref="Stopwatch.GetTimestamp"/>, same process);
/// every receipt's latency is now − that timestamp. The first <c>warmup</c> seconds of events are not measured. After
/// the last publish, receipts are awaited for up to 20 s; what never came is lost.
/// </summary>
internal sealed class LatencyRun
{
    private static readonly string Padding = new('x', 500);

    private readonly int _clients;
    private readonly int _total;
    private readonly int _firstMeasured;
    private readonly bool[][] _seen;
    private readonly double[] _samples;
    private long _sampleCount;
    private long _received;
    private long _duplicates;

    public LatencyRun(int clients, int rate, TimeSpan warmup, TimeSpan duration)
    {
        _clients = clients;
        Rate = rate;
        _total = (int)(rate * (warmup + duration).TotalSeconds);
        _firstMeasured = (int)(rate * warmup.TotalSeconds);
        _seen = [.. Enumerable.Range(0, clients).Select(_ => new bool[_total])];
        _samples = new double[(long)clients * (_total - _firstMeasured)];
    }

    public int Rate { get; }

    /// <summary>The data object of event <paramref name="n"/>: <c>{"n":..,"t":..,"pad":".."}</c>.</summary>
    public static string Data(int n) =>
        "{\"n\":" + n.ToString(CultureInfo.InvariantCulture) + ",\"t\":" + Stopwatch.GetTimestamp().ToString(CultureInfo.InvariantCulture) + ",\"pad\":\"" + Padding + "\"}";

    /// <summary>Records one receipt of a data object (<c>n</c>, <c>t</c>).</summary>
    public void Receive(int client, JsonElement data) => Receive(client, new Mark(data.GetProperty("n").GetInt32(), data.GetProperty("t").GetInt64()));

    /// <summary>Records one receipt of event <c>n</c> published at <c>t</c>.</summary>
    public void Receive(int client, Mark mark)
    {
        var now = Stopwatch.GetTimestamp();
        var (n, t) = mark;
        if (n < 0 || n >= _total)
        {
            return;
        }

        if (_seen[client][n])
        {
            Interlocked.Increment(ref _duplicates);
            return;
        }

        _seen[client][n] = true; // one receive loop per client: no race on its own array
        if (n >= _firstMeasured)
        {
            Interlocked.Increment(ref _received);
            var i = Interlocked.Increment(ref _sampleCount) - 1;
            if (i < _samples.Length)
            {
                _samples[i] = Stopwatch.GetElapsedTime(t, now).TotalMilliseconds;
            }
        }
    }

    /// <summary>Publishes every event through <paramref name="publish"/> on schedule, then waits for the receipts.</summary>
    public async Task<LatencyResult> RunAsync(string mode, Func<int, Task<bool>> publish)
    {
        var failures = 0;
        var inFlight = new List<Task>(_total);
        var clock = Stopwatch.StartNew();
        for (var n = 0; n < _total; n++)
        {
            var due = TimeSpan.FromSeconds(n / (double)Rate);
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait);
            }

            var number = n;
            inFlight.Add(Task.Run(async () =>
            {
                try
                {
                    if (!await publish(number))
                    {
                        Interlocked.Increment(ref failures);
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    Interlocked.Increment(ref failures);
                }
            }));
        }

        await Task.WhenAll(inFlight);
        var expected = (long)_clients * (_total - _firstMeasured);
        var deadline = Stopwatch.StartNew();
        while (Interlocked.Read(ref _received) < expected && deadline.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(100);
        }

        var count = (int)Math.Min(Interlocked.Read(ref _sampleCount), _samples.Length);
        var sorted = _samples[..count];
        Array.Sort(sorted);
        double P(double q) => count == 0 ? double.NaN : sorted[Math.Min(count - 1, (int)(q * count))];
        return new LatencyResult(mode, _clients, _total - _firstMeasured, failures, expected, Interlocked.Read(ref _received), Interlocked.Read(ref _duplicates), P(0.50), P(0.90), P(0.99), count == 0 ? double.NaN : sorted[^1]);
    }

    /// <summary>SSE receivers: each reads <c>data:</c> lines; <paramref name="dataOf"/> finds the data object in one.</summary>
    public async Task<IAsyncDisposable> ConnectSseAsync(HttpClient http, Uri url, Func<JsonElement, JsonElement> dataOf)
    {
        var stop = new CancellationTokenSource();
        var ready = new List<Task>();
        var loops = new List<Task>();
        for (var c = 0; c < _clients; c++)
        {
            var client = c;
            var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            ready.Add(connected.Task);
            loops.Add(Task.Run(async () =>
            {
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, url);
                    request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stop.Token);
                    response.EnsureSuccessStatusCode();
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(stop.Token), Encoding.UTF8);
                    connected.TrySetResult();
                    while (await reader.ReadLineAsync(stop.Token) is { } line)
                    {
                        if (line.StartsWith("data:", StringComparison.Ordinal))
                        {
                            using var doc = JsonDocument.Parse(line.AsMemory(5));
                            Receive(client, dataOf(doc.RootElement));
                        }
                    }
                }
                catch (Exception e) when (e is OperationCanceledException or HttpRequestException or IOException)
                {
                    connected.TrySetException(e);
                }
            }));
        }

        await Task.WhenAll(ready).WaitAsync(TimeSpan.FromSeconds(60));
        return new Stopper(async () =>
        {
            await stop.CancelAsync();
            await Task.WhenAll(loops);
            stop.Dispose();
        });
    }

    /// <summary>SignalR receivers through the app's negotiate: hub messages <c>event</c> and <c>events</c>.</summary>
    public async Task<IAsyncDisposable> ConnectSignalRAsync(Uri apiBase)
    {
        var connections = new HubConnection[_clients];
        using var gate = new SemaphoreSlim(16);
        await Task.WhenAll(Enumerable.Range(0, _clients).Select(async c =>
        {
            await gate.WaitAsync();
            try
            {
                // Typed, as a .NET dashboard binds its own event type: the hub protocol's reader hands each event to
                // Mark.Converter, which reads data.n and data.t and skips the rest (every byte is still read once, as
                // the SSE clients parse each frame once), with no JsonDocument (and no copy of the message) per client.
                var connection = new HubConnectionBuilder()
                    .WithUrl(apiBase)
                    .AddJsonProtocol(o => o.PayloadSerializerOptions.Converters.Add(new Mark.Converter()))
                    .Build();
                connection.On<Mark>("event", m => Receive(c, m));
                connection.On<Mark[]>("events", batch =>
                {
                    foreach (var m in batch)
                    {
                        Receive(c, m);
                    }
                });
                await connection.StartAsync();
                connections[c] = connection;
            }
            finally
            {
                gate.Release();
            }
        }));
        return new Stopper(async () => await Task.WhenAll(connections.Select(c => c.DisposeAsync().AsTask())));
    }

    private sealed class Stopper(Func<Task> stop) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await stop();
    }
}
