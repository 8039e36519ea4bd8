using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace FunctionsDashboard.Tests.Infra;

/// <summary>
/// Issue 7: infra/main.bicep builds and lints cleanly with the real Bicep CLI, follows the house style (descriptions,
/// UPPER_SNAKE outputs, names from abbreviations.json plus the resource token, local modules) and outputs no secret.
/// </summary>
[Collection(InfraCollection.Name)]
public sealed partial class BicepTemplateTests(InfraFixture infra)
{
    [Fact]
    public void Build_MainBicep_CompilesWithoutWarnings()
    {
        Assert.True(infra.Build.ExitCode == 0, infra.Build.ToString());
        Assert.False(Diagnostic().IsMatch(infra.Build.Output), infra.Build.ToString());
        Assert.NotNull(infra.Template);
    }

    [Fact]
    public void Lint_MainBicep_PassesWithEveryRaisedRule()
    {
        Assert.True(infra.Lint.ExitCode == 0, infra.Lint.ToString());
        Assert.False(Diagnostic().IsMatch(infra.Lint.Output), infra.Lint.ToString());
    }

    [Fact]
    public async Task Lint_BicepConfig_MakesRuleViolationsFailTheRun()
    {
        // Lint exits 0 on warnings; the repository's bicepconfig.json is what makes a violation fail CI. Prove it.
        var folder = Directory.CreateTempSubdirectory("fd-lint-");
        try
        {
            File.Copy(Path.Combine(InfraFixture.InfraFolder, "bicepconfig.json"), Path.Combine(folder.FullName, "bicepconfig.json"));
            await File.WriteAllTextAsync(Path.Combine(folder.FullName, "bad.bicep"), """
                @description('Never used.')
                param unused string = 'x'

                @secure()
                @description('A secret.')
                param secret string

                @description('Leaks it.')
                output LEAK string = secret
                """);

            var lint = await BicepCli.RunAsync(folder.FullName, new Dictionary<string, string?>(), "lint", "bad.bicep");

            Assert.True(lint.ExitCode != 0, lint.ToString());
            Assert.Contains("Error no-unused-params", lint.Output, StringComparison.Ordinal);
            Assert.Contains("Error outputs-should-not-contain-secrets", lint.Output, StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void Snapshot_BothPasses_EvaluateWithoutDiagnostics()
    {
        foreach (var pass in infra.Passes)
        {
            Assert.True(pass.Result.ExitCode == 0, $"{pass}: {pass.Result}");
            Assert.Empty(pass.Json!["diagnostics"]!.AsArray());
            Assert.NotEmpty(pass.Resources);
        }
    }

    [Fact]
    public void ParametersAndOutputs_MainAndEveryModule_HaveADescription()
    {
        var missing = new List<string>();
        foreach (var (path, template) in TemplateScan.Templates(infra.CompiledTemplate))
        {
            foreach (var section in new[] { "parameters", "outputs" })
            {
                missing.AddRange(TemplateScan.Section(template, section)
                    .Where(m => string.IsNullOrWhiteSpace((string?)m.Value["metadata"]?["description"]))
                    .Select(m => $"{path} {section}.{m.Name}"));
            }
        }

        Assert.True(TemplateScan.Templates(infra.CompiledTemplate).Count() > 5, "the modules were not found in the compiled template");
        Assert.Empty(missing);
    }

    [Fact]
    public void Outputs_Main_AreUpperSnakeCase()
    {
        var outputs = TemplateScan.Section(infra.CompiledTemplate, "outputs").Select(o => o.Name).ToList();

        Assert.NotEmpty(outputs);
        Assert.All(outputs, name => Assert.Matches(UpperSnake(), name));
    }

    [Fact]
    public void Outputs_MainAndEveryModule_DoNotCarryASecret()
    {
        var leaks = TemplateScan.Templates(infra.CompiledTemplate)
            .SelectMany(t => TemplateScan.Section(t.Template, "outputs")
                .Select(o => (Where: $"{t.Path} output {o.Name}", Why: TemplateScan.SecretIn(t.Template, o.Value))))
            .Where(l => l.Why is not null)
            .Select(l => $"{l.Where}: {l.Why}")
            .ToList();

        Assert.Empty(leaks);
    }

    [Fact]
    public void Outputs_BothPasses_EvaluateToNoSecretValue()
    {
        foreach (var pass in infra.Passes)
        {
            var outputs = TemplateScan.Text(pass.Outputs);

            Assert.DoesNotContain(InfraFixture.WebhookSecret, outputs, StringComparison.Ordinal);
            Assert.DoesNotMatch(ListCall(), outputs);
            Assert.DoesNotContain("parameters(", outputs, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("""{ "type": "string", "value": "[listKeys(resourceId('Microsoft.SignalRService/signalR', 'x'), '2024-03-01').primaryKey]" }""", "listKeys")]
    [InlineData("""{ "type": "string", "value": "[format('Endpoint={0}', parameters('secret'))]" }""", "secure parameter secret")]
    [InlineData("""{ "type": "securestring", "value": "[parameters('plain')]" }""", "securestring")]
    public void SecretIn_LeakingOutput_IsReported(string output, string expected)
    {
        var template = JsonNode.Parse("""{ "parameters": { "secret": { "type": "securestring" }, "plain": { "type": "string" } } }""")!.AsObject();

        var why = TemplateScan.SecretIn(template, JsonNode.Parse(output)!.AsObject());

        Assert.NotNull(why);
        Assert.Contains(expected, why, StringComparison.Ordinal);
    }

    [Fact]
    public void SecretIn_PlainOutput_IsNotReported()
    {
        var template = JsonNode.Parse("""{ "parameters": { "secret": { "type": "securestring" }, "plain": { "type": "string" } } }""")!.AsObject();
        var output = JsonNode.Parse("""{ "type": "string", "value": "[format('https://{0}', parameters('plain'))]" }""")!.AsObject();

        Assert.Null(TemplateScan.SecretIn(template, output));
    }

    [Fact]
    public void Names_EveryTopLevelResource_IsAnAbbreviationPlusTheResourceToken()
    {
        var abbreviations = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(Path.Combine(InfraFixture.InfraFolder, "abbreviations.json")))!;
        var resources = infra.SecondPass.Resources
            .Where(r => !((string)r["name"]!).Contains('/', StringComparison.Ordinal))
            .Where(r => (string?)r["type"] is not ("Microsoft.Authorization/roleAssignments" or "Microsoft.Resources/resourceGroups"))
            .ToList();
        var tokens = new HashSet<string>(StringComparer.Ordinal);

        Assert.True(resources.Count >= 8, $"only {resources.Count} named resources found");
        foreach (var resource in resources)
        {
            var name = (string)resource["name"]!;
            var prefix = abbreviations.Values.Where(a => name.StartsWith(a, StringComparison.Ordinal)).MaxBy(a => a.Length);
            Assert.True(prefix is not null, $"{resource["type"]} '{name}' does not start with an abbreviation from abbreviations.json");
            tokens.Add(name[prefix.Length..]);
        }

        var token = Assert.Single(tokens);
        Assert.Matches(ResourceToken(), token);
        var group = (string)infra.SecondPass.Single("Microsoft.Resources/resourceGroups")["name"]!;
        Assert.StartsWith(abbreviations["resourcesResourceGroups"], group, StringComparison.Ordinal);
    }

    [Fact]
    public void ParametersFile_SetsEveryParameterFromAnEnvironmentVariable()
    {
        var lines = File.ReadAllLines(Path.Combine(InfraFixture.InfraFolder, "main.bicepparam"));
        var assignments = lines.Select(l => ParamAssignment().Match(l)).Where(m => m.Success).ToList();
        var parameters = TemplateScan.Section(infra.CompiledTemplate, "parameters").Select(p => p.Name).Order(StringComparer.Ordinal);

        Assert.Contains(lines, l => l.Trim() == "using './main.bicep'");
        Assert.Equal(parameters, assignments.Select(m => m.Groups["name"].Value).Order(StringComparer.Ordinal));
        Assert.All(assignments, m => Assert.Contains("readEnvironmentVariable('", m.Groups["value"].Value, StringComparison.Ordinal));
    }

    [Fact]
    public void Modules_AreLocalFiles_NoRegistryReferences()
    {
        // No network in CI: a br:/ts: module would need a registry to restore.
        var files = Directory.EnumerateFiles(InfraFixture.InfraFolder, "*.bicep*", SearchOption.AllDirectories).ToList();
        var moduleReferences = files
            .SelectMany(f => File.ReadLines(f).Select(line => (File: Path.GetRelativePath(InfraFixture.InfraFolder, f), Line: line.Trim())))
            .Where(l => l.Line.StartsWith("module ", StringComparison.Ordinal))
            .ToList();

        Assert.NotEmpty(moduleReferences);
        Assert.All(moduleReferences, m => Assert.Matches(@"^module \w+ 'modules/[\w/-]+\.bicep'", m.Line));
    }

    [GeneratedRegex(@"\) : (Warning|Error) ")]
    private static partial Regex Diagnostic();

    [GeneratedRegex("^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$")]
    private static partial Regex UpperSnake();

    [GeneratedRegex("^[a-z0-9]{13}$")]
    private static partial Regex ResourceToken();

    [GeneratedRegex(@"\blist[A-Za-z]*\(", RegexOptions.IgnoreCase)]
    private static partial Regex ListCall();

    [GeneratedRegex(@"^param (?<name>\w+)\s*=\s*(?<value>.+)$")]
    private static partial Regex ParamAssignment();
}
