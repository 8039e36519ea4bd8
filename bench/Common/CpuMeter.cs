using System.Diagnostics;
using System.Globalization;

namespace FunctionsDashboard.Bench.Common;

/// <summary>
/// CPU time (user + system, all threads) of the processes a row ran on: this one (load generator, and the app when it runs
/// in process), Azurite, server processes. On cores that all of them share, a row's cost in CPU moves much less with
/// what else the machine runs than its rate or latency does, and it shows where the time went.
/// </summary>
internal sealed class CpuMeter
{
    private readonly IReadOnlyList<(string Name, Process Process)> _processes;
    private readonly TimeSpan[] _start;
    private readonly long _started;

    private CpuMeter(IReadOnlyList<(string Name, Process Process)> processes)
    {
        _processes = processes;
        _start = [.. processes.Select(p => Cpu(p.Process))];
        _started = Stopwatch.GetTimestamp();
    }

    /// <summary>Starts measuring this process (<c>bench</c>) and <paramref name="others"/> (a name per group, process ids).</summary>
    public static CpuMeter Start(params (string Name, IEnumerable<int> Ids)[] others) =>
        new([("bench", Process.GetCurrentProcess()), .. others.SelectMany(o => o.Ids.Select(id => (o.Name, Process.GetProcessById(id))))]);

    /// <summary>Starts measuring this process (<c>bench</c>) and, when there is one, the benchmark's own Azurite.</summary>
    public static CpuMeter Start(LocalAzurite? azurite) => Start(("Azurite", azurite?.ProcessIds ?? []));

    /// <summary>CPU time per group since the start.</summary>
    public IReadOnlyList<(string Name, TimeSpan Cpu)> Used =>
        [.. _processes.Select((p, i) => (p.Name, Cpu: Cpu(p.Process) - _start[i])).GroupBy(p => p.Name, (name, g) => (name, g.Aggregate(TimeSpan.Zero, (sum, p) => sum + p.Cpu)))];

    /// <summary><c>CPU bench 1.20, Azurite 0.40 cores (of 2)</c>: the average number of cores each group kept busy since the start.</summary>
    public string Cores
    {
        get
        {
            var seconds = Stopwatch.GetElapsedTime(_started).TotalSeconds;
            return $"CPU {string.Join(", ", Used.Select(u => string.Create(CultureInfo.InvariantCulture, $"{u.Name} {u.Cpu.TotalSeconds / seconds:0.00}")))} cores (of {Environment.ProcessorCount})";
        }
    }

    /// <summary><c>CPU x ms bench + y ms Azurite per 1,000</c> for <paramref name="items"/> items since the start.</summary>
    public string PerThousand(long items)
    {
        var n = Math.Max(1, items) / 1000.0;
        var used = Used;
        var text = string.Join(" + ", used.Select(u => string.Create(CultureInfo.InvariantCulture, $"{u.Cpu.TotalMilliseconds / n:0} ms {u.Name}")));
        return used.Count == 1
            ? $"CPU {text} (Azurite not measured with --storage) per 1,000"
            : $"CPU {text} per 1,000";
    }

    private static TimeSpan Cpu(Process process)
    {
        try
        {
            process.Refresh();
            return process.TotalProcessorTime;
        }
        catch (InvalidOperationException)
        {
            return TimeSpan.Zero; // exited
        }
    }
}
