using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FunctionsDashboard.Configuration;
using Microsoft.Extensions.Configuration;

namespace FunctionsDashboard.Tests.Configuration;

/// <summary>
/// Issue 16: <see cref="AppSettings"/> cannot drift from the options types (it is derived from them), nor from what the
/// README and the sample local settings name.
/// </summary>
public sealed partial class AppSettingsTests
{
    /// <summary>Settings of DevHost and its stand-ins, and those of Core Tools; not read by the function app.</summary>
    private static readonly string[] NotTheFunctionApp = ["LocalEventGrid__", "LocalSignalR__", "FUNCTIONS_WORKER_RUNTIME"];

    [Fact]
    public void OptionsSections_ListEveryOptionsTypeWithASection()
    {
        var declared = typeof(AppSettings).Assembly.GetTypes()
            .Select(t => (Type: t, Field: t.GetField("SectionName", BindingFlags.Public | BindingFlags.Static)))
            .Where(x => x.Field is { IsLiteral: true })
            .Select(x => (x.Type, Section: (string)x.Field!.GetRawConstantValue()!))
            .OrderBy(x => x.Type.FullName, StringComparer.Ordinal)
            .ToList();

        Assert.NotEmpty(declared);
        Assert.Equal(declared, AppSettings.OptionsSections.OrderBy(x => x.Options.FullName, StringComparer.Ordinal).Select(x => (x.Options, x.Section)));
    }

    [Fact]
    public void SettingsOf_EveryDerivedSetting_IsAPropertyTheBinderFills()
    {
        foreach (var (options, section) in AppSettings.OptionsSections)
        {
            var settings = AppSettings.SettingsOf(options, section).ToList();
            var configuration = new ConfigurationBuilder()
                .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Replace("__", ":", StringComparison.Ordinal), null)))
                .Build();

            // The binder refuses any key that matches no property; a key without a value leaves the default in place.
            var bound = configuration.GetSection(section).Get(options, o => o.ErrorOnUnknownConfiguration = true);

            Assert.NotEmpty(settings);
            Assert.NotNull(bound);
            Assert.All(settings, s => Assert.Contains(s, AppSettings.RequiredInAzure.Concat(AppSettings.Optional)));
        }
    }

    [Fact]
    public void SettingsOf_AMisspelledSetting_IsRefusedByTheSameCheck()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new("Dashboard:HeartbeatIntervall", null)]).Build();

        Assert.Throws<InvalidOperationException>(() => configuration.GetSection("Dashboard").Get(typeof(FunctionsDashboard.Options.DashboardOptions), o => o.ErrorOnUnknownConfiguration = true));
    }

    [Fact]
    public void Optional_HasTheSettingsTheReadmeDocuments()
    {
        var expected = new[]
        {
            "SignalR__AllowAnonymous", "SignalR__AccessTokenLifetime", "Registry__Shards", "Access__AllowAnonymous", "Access__SigningKey",
            "Access__Rules__0__Role", "Access__Bearer__Issuers__0", "Sse__CheckpointInterval", "Sse__CursorRetention", "Sse__MaxStreamDuration",
            "Sse__PollInterval", "Relay__AdminKey", "Relay__Delivery__MessageBudget", "Relay__Delivery__MaxEventsPerMessage",
            "Relay__Delivery__SafetyNetDelay", "Startup__MaxRetryDelay", "Startup__AttemptTimeout",
        };

        Assert.All(expected, name => Assert.Contains(name, AppSettings.Optional));
        Assert.Equal(AppSettings.Optional.Count, AppSettings.Optional.Distinct(StringComparer.Ordinal).Count());
        Assert.Empty(AppSettings.Optional.Intersect(AppSettings.RequiredInAzure, StringComparer.Ordinal));
    }

    [Fact]
    public void Readme_EverySettingItNames_IsListed()
    {
        var readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md"));
        var named = SettingToken().Matches(readme).Select(m => m.Groups[1].Value).Distinct(StringComparer.Ordinal).ToList();
        var known = AppSettings.RequiredInAzure.Concat(AppSettings.Optional).ToList();

        Assert.Contains("Relay__Delivery__MaxAttempts", named);
        var unknown = named
            .Where(name => !NotTheFunctionApp.Any(p => name.StartsWith(p, StringComparison.Ordinal)))
            .Where(name => !known.Any(k => Pattern(name).IsMatch(k)))
            .ToList();
        Assert.True(unknown.Count == 0, $"README names settings no code reads: {string.Join(", ", unknown)} (typo, or add it to Shared/Configuration/AppSettings.cs)");
    }

    [Fact]
    public void SampleLocalSettings_EveryValue_IsListed()
    {
        var sample = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "local.settings.sample.json")))!["Values"]!.AsObject();
        var known = AppSettings.RequiredInAzure.Concat(AppSettings.Optional).Append("AzureWebJobsStorage").ToHashSet(StringComparer.Ordinal);

        var unknown = sample.Select(p => p.Key)
            .Where(name => !NotTheFunctionApp.Any(p => name.StartsWith(p, StringComparison.Ordinal)) && !known.Contains(name))
            .ToList();

        Assert.True(unknown.Count == 0, $"local.settings.sample.json sets settings no code reads: {string.Join(", ", unknown)}");
    }

    /// <summary>A README setting (<c>Access__Rules__N__*</c>, <c>SignalR__AllowedOrigins__0</c>) as a pattern over listed names.</summary>
    private static Regex Pattern(string name) =>
        new("^" + string.Join("__", name.Split("__").Select(part => part switch
        {
            "*" => ".+",
            "N" or "0" or "1" => "0",
            _ => Regex.Escape(part),
        })) + (name.EndsWith("__*", StringComparison.Ordinal) ? "" : "$"), RegexOptions.CultureInvariant);

    [GeneratedRegex(@"`([A-Z][A-Za-z]+__[A-Za-z0-9_*]+)(?:=[^`]*)?`")]
    private static partial Regex SettingToken();
}
