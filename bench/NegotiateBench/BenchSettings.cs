using System.Globalization;

namespace FunctionsDashboard.NegotiateBench;

/// <summary>Command line: <c>--seconds N</c> per measured window, <c>--rounds N</c>, <c>--concurrency N</c>, <c>--out file.md</c>.</summary>
internal sealed record BenchSettings(int Seconds, int Rounds, int Concurrency, string? Out, string? Only = null)
{
    public static BenchSettings Parse(string[] args)
    {
        int seconds = 5, rounds = 3, concurrency = 32;
        string? output = null, only = null;
        for (var i = 0; i < args.Length - 1; i += 2)
        {
            var value = args[i + 1];
            switch (args[i])
            {
                case "--seconds": seconds = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--rounds": rounds = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--concurrency": concurrency = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--out": output = value; break;
                case "--only": only = value; break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }

        return new BenchSettings(seconds, rounds, concurrency, output, only);
    }
}
