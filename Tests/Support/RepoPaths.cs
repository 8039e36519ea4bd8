namespace FunctionsDashboard.Tests.Support;

/// <summary>Paths in the repository the tests run from.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>The build configuration folder name under artifacts/bin (UseArtifactsOutput).</summary>
    public const string Configuration =
#if DEBUG
        "debug";
#else
        "release";
#endif

    public static string FunctionsOutput => Path.Combine(Root, "artifacts", "bin", "Functions", Configuration);

    /// <summary>Where tests leave files for people to look at (screenshots, reports).</summary>
    public static string TestOutput =>
        Directory.CreateDirectory(Environment.GetEnvironmentVariable("FUNCTIONSDASHBOARD_TEST_OUTPUT") ?? Path.Combine(Root, "test-output")).FullName;

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FunctionsDashboard.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Cannot find the repository root from " + AppContext.BaseDirectory);
    }
}
