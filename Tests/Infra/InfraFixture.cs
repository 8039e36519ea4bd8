using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace FunctionsDashboard.Tests.Infra;

/// <summary>The infra tests share one run of the Bicep CLI (build, lint, two snapshots): about ten seconds.</summary>
[CollectionDefinition(Name)]
public sealed class InfraCollection : ICollectionFixture<InfraFixture>
{
    /// <summary>The collection name.</summary>
    public const string Name = "Infra (Bicep CLI)";
}

/// <summary>
/// Copies <c>infra/</c> to a temporary folder (the CLI writes its outputs next to its inputs; nothing generated lands
/// in the repository) and runs the real Bicep CLI on it once:
/// <list type="bullet">
/// <item><c>bicep build</c> (the compiled ARM JSON: parameters, outputs, nested module templates),</item>
/// <item><c>bicep lint</c> (with <c>infra/bicepconfig.json</c>, which raises the important rules to errors),</item>
/// <item><c>bicep snapshot</c> of <c>main.bicepparam</c>, offline, for both passes (<c>WIRE_ENDPOINTS</c> false and true):
/// every resource the deployment would create with its properties evaluated; values only known at deployment time
/// (<c>reference</c>, <c>listKeys</c>, secure parameters) stay ARM expressions.</item>
/// </list>
/// </summary>
public sealed partial class InfraFixture : IAsyncLifetime
{
    /// <summary>The webhook secret the snapshots are taken with: it must never show up in a value.</summary>
    public const string WebhookSecret = "infra-test-sentinel-secret-0123456789abcdef";

    /// <summary>The deploying principal the snapshots are taken with.</summary>
    public const string DeployerPrincipalId = "11111111-2222-3333-4444-555555555555";

    private const string SubscriptionId = "00000000-0000-0000-0000-0000000000a1";
    private const string TenantId = "00000000-0000-0000-0000-0000000000b2";
    private const string Location = "swedencentral";

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("fd-infra-");

    /// <summary>The repository's infra folder.</summary>
    public static string InfraFolder => Path.Combine(RepoPaths.Root, "infra");

    /// <summary>Where the copy of infra/ lives (with the repository's bicepconfig.json).</summary>
    public string CopyFolder => Path.Combine(_work.FullName, "infra");

    /// <summary><c>bicep build main.bicep</c>.</summary>
    public BicepResult Build { get; private set; } = null!;

    /// <summary><c>bicep lint main.bicep</c>.</summary>
    public BicepResult Lint { get; private set; } = null!;

    /// <summary>The compiled ARM template (null when the build failed).</summary>
    public JsonObject? Template { get; private set; }

    /// <summary>The first pass: <c>WIRE_ENDPOINTS</c> unset (false).</summary>
    public Snapshot FirstPass { get; private set; } = null!;

    /// <summary>The second pass: <c>WIRE_ENDPOINTS=true</c>.</summary>
    public Snapshot SecondPass { get; private set; } = null!;

    /// <summary>Both passes.</summary>
    public IEnumerable<Snapshot> Passes => [FirstPass, SecondPass];

    /// <summary>The compiled template, or a failure that shows the build output.</summary>
    public JsonObject CompiledTemplate => Template ?? throw new InvalidOperationException(Build.ToString());

    /// <summary>Runs the CLI on a copy of infra/.</summary>
    public async Task InitializeAsync()
    {
        CopyDirectory(InfraFolder, CopyFolder);
        var compiled = Path.Combine(_work.FullName, "main.json");

        Build = await BicepCli.RunAsync(CopyFolder, CleanEnvironment(), "build", "main.bicep", "--outfile", compiled);
        Template = Build.ExitCode == 0 ? (JsonObject)JsonNode.Parse(await File.ReadAllTextAsync(compiled))! : null;
        Lint = await BicepCli.RunAsync(CopyFolder, CleanEnvironment(), "lint", "main.bicep");
        FirstPass = await SnapshotAsync("first pass", wireEndpoints: null);
        SecondPass = await SnapshotAsync("second pass", wireEndpoints: "true");
    }

    /// <summary>Removes the temporary folder.</summary>
    public Task DisposeAsync()
    {
        _work.Delete(recursive: true);
        return Task.CompletedTask;
    }

    private async Task<Snapshot> SnapshotAsync(string name, string? wireEndpoints)
    {
        var environment = CleanEnvironment();
        environment["RELAY_WEBHOOK_SECRET"] = WebhookSecret;
        environment["AZURE_PRINCIPAL_ID"] = DeployerPrincipalId;
        environment["WIRE_ENDPOINTS"] = wireEndpoints;
        var result = await BicepCli.RunAsync(
            CopyFolder, environment, "snapshot", "main.bicepparam", "--mode", "overwrite",
            "--subscription-id", SubscriptionId, "--tenant-id", TenantId, "--location", Location);
        var file = Path.Combine(CopyFolder, "main.snapshot.json");
        JsonObject? json = null;
        if (result.ExitCode == 0)
        {
            json = (JsonObject)JsonNode.Parse(await File.ReadAllTextAsync(file))!;
            File.Delete(file);
        }

        return new Snapshot(name, result, json);
    }

    /// <summary>
    /// The test process's environment without any variable main.bicepparam reads, so a developer's azd environment
    /// (AZURE_ENV_NAME, ...) cannot change what the tests see.
    /// </summary>
    private static Dictionary<string, string?> CleanEnvironment()
    {
        var parameters = File.ReadAllText(Path.Combine(InfraFolder, "main.bicepparam"));
        return EnvironmentVariableRead().Matches(parameters)
            .Select(m => m.Groups[1].Value)
            .Distinct(StringComparer.Ordinal)
            .ToDictionary(name => name, _ => (string?)null, StringComparer.Ordinal);
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    [GeneratedRegex(@"readEnvironmentVariable\(\s*'([^']+)'")]
    private static partial Regex EnvironmentVariableRead();
}
