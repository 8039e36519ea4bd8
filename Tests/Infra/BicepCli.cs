using System.ComponentModel;
using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;

namespace FunctionsDashboard.Tests.Infra;

/// <summary>
/// The real Bicep CLI (the native linux-x64 build from NuGet). <c>Tests.csproj</c> restores it with a PackageDownload
/// into the NuGet package cache, at the version in <c>Directory.Packages.props</c>; it works offline.
/// </summary>
internal static class BicepCli
{
    private const string PackageId = "azure.bicep.commandline.linux-x64";
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private static readonly Lazy<string> LazyPath = new(Locate);

    /// <summary>The CLI version the build restored (Directory.Packages.props BicepCliVersion).</summary>
    public static string Version => Metadata("BicepCliVersion")
        ?? throw new InvalidOperationException("Tests.csproj does not stamp BicepCliVersion into the test assembly.");

    /// <summary>Path of the bicep executable; throws with what to do when it is missing.</summary>
    public static string ExecutablePath => LazyPath.Value;

    /// <summary>Runs the CLI and returns its exit code and output. Environment entries with a null value are removed.</summary>
    public static async Task<BicepResult> RunAsync(string workingDirectory, IReadOnlyDictionary<string, string?> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo(ExecutablePath)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {ExecutablePath}.");
        }
        catch (Win32Exception error)
        {
            throw new InvalidOperationException(
                $"Could not run the Bicep CLI at {ExecutablePath} ({error.Message}). The package ships it as rwxr--r--: run the tests as the user who owns the NuGet cache.",
                error);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(Timeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"bicep {string.Join(' ', arguments)} did not finish within {Timeout}.");
            }

            return new BicepResult(arguments, process.ExitCode, await stdout, await stderr);
        }
    }

    private static string Locate()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.OSArchitecture != Architecture.X64)
        {
            throw new PlatformNotSupportedException(
                $"The infra tests run the linux-x64 Bicep CLI from NuGet ({PackageId}); this machine is {RuntimeInformation.OSDescription} {RuntimeInformation.OSArchitecture}.");
        }

        // Where NuGet restores packages: NUGET_PACKAGES when set, the root the build used, the default user cache.
        var roots = new[]
        {
            Environment.GetEnvironmentVariable("NUGET_PACKAGES"),
            Metadata("NuGetPackageRoot"),
            Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"),
        };
        var candidates = roots
            .Where(root => !string.IsNullOrWhiteSpace(root))
            .Select(root => Path.Combine(root!, PackageId, Version, "tools", "bicep"))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        return candidates.FirstOrDefault(File.Exists) ?? throw new FileNotFoundException(
            $"The Bicep CLI {Version} is not in the NuGet package cache. Looked at: {string.Join(", ", candidates)}. " +
            "Tests.csproj downloads it (PackageDownload Azure.Bicep.CommandLine.linux-x64) when the solution restores: " +
            "run `dotnet restore FunctionsDashboard.sln` or ./test.sh.");
    }

    private static string? Metadata(string key) =>
        typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == key)?.Value is { Length: > 0 } value
            ? value
            : null;
}

/// <summary>What one Bicep CLI run did.</summary>
/// <param name="Arguments">The command line after <c>bicep</c>.</param>
/// <param name="ExitCode">Its exit code.</param>
/// <param name="StandardOutput">What it printed on stdout.</param>
/// <param name="StandardError">What it printed on stderr (diagnostics go here).</param>
public sealed record BicepResult(IReadOnlyList<string> Arguments, int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>Both streams.</summary>
    public string Output => StandardOutput + StandardError;

    /// <summary>A message for assertions: the command, its exit code and its output.</summary>
    public override string ToString() => $"bicep {string.Join(' ', Arguments)} exited {ExitCode}:{Environment.NewLine}{Output}";
}
