using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace FunctionsDashboard.Tests.Support;

/// <summary>
/// A Node.js ES module from <c>Tests/js</c> that reports what it does as JSON lines on stdout. Tests read the lines as
/// they come (bounded waits, no sleeps); disposing kills the process if it still runs.
/// </summary>
public sealed class NodeScript : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<JsonElement> _lines = Channel.CreateUnbounded<JsonElement>();
    private readonly StringBuilder _stderr = new();
    private readonly List<string> _stdout = [];

    private NodeScript(Process process) => _process = process;

    /// <summary>Everything the script wrote so far, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_stdout)
            {
                return $"stdout:\n{string.Join('\n', _stdout)}\nstderr:\n{_stderr}";
            }
        }
    }

    public static NodeScript Start(string script, IDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("node")
        {
            ArgumentList = { Path.Combine(RepoPaths.Root, "Tests", "js", script) },
            WorkingDirectory = RepoPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start };
        var node = new NodeScript(process);
        process.OutputDataReceived += (_, e) => node.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (node._stdout)
                {
                    node._stderr.AppendLine(e.Data);
                }
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return node;
    }

    /// <summary>The next line that has <paramref name="property"/> (earlier lines are skipped), bounded by <paramref name="timeout"/>.</summary>
    public async Task<JsonElement> NextAsync(string property, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        try
        {
            while (true)
            {
                var line = await _lines.Reader.ReadAsync(cts.Token);
                if (line.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String)
                {
                    throw new InvalidOperationException($"The script failed: {error.GetString()}\n{Output}");
                }

                if (line.TryGetProperty(property, out var value))
                {
                    return value;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
        {
            throw new TimeoutException($"The script wrote no '{property}' line.\n{Output}", e);
        }
    }

    /// <summary>The next line, whatever it holds (an error line throws), bounded by <paramref name="timeout"/>.</summary>
    public async Task<JsonElement> NextLineAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        try
        {
            var line = await _lines.Reader.ReadAsync(cts.Token);
            if (line.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String)
            {
                throw new InvalidOperationException($"The script failed: {error.GetString()}\n{Output}");
            }

            return line;
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
        {
            throw new TimeoutException($"The script wrote nothing more.\n{Output}", e);
        }
    }

    /// <summary>Waits (bounded) for the script to end; returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan? timeout = null)
    {
        await _process.WaitForExitAsync().WaitAsync(timeout ?? TimeSpan.FromSeconds(15));
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            _lines.Writer.TryComplete();
            return;
        }

        lock (_stdout)
        {
            _stdout.Add(line);
        }

        try
        {
            using var document = JsonDocument.Parse(line);
            _lines.Writer.TryWrite(document.RootElement.Clone());
        }
        catch (JsonException)
        {
            // Not a report line (a library's console output): kept in Output only.
        }
    }
}
