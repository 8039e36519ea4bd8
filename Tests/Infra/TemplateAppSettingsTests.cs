using System.Globalization;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FunctionsDashboard.Configuration;
using FunctionsDashboard.Options;
using FunctionsDashboard.Tests.Hosting;

namespace FunctionsDashboard.Tests.Infra;

/// <summary>
/// Issue 7: the function app the template deploys gets every setting the app needs to start, under the names the app
/// reads (<see cref="AppSettings"/> is the source of truth), and only settings that something reads.
/// </summary>
[Collection(InfraCollection.Name)]
public sealed partial class TemplateAppSettingsTests(InfraFixture infra)
{
    /// <summary>Settings the Functions host reads, not the app: allowed in the template, not listed in AppSettings.</summary>
    private static readonly string[] HostSettings = ["APPLICATIONINSIGHTS_CONNECTION_STRING", "APPLICATIONINSIGHTS_AUTHENTICATION_STRING"];

    [Fact]
    public void AppSettings_BothPasses_SetEverySettingTheAppRequires()
    {
        var required = AppSettings.RequiredInAzure.Concat(TriggerPlaceholders()).Distinct(StringComparer.Ordinal).ToList();

        foreach (var pass in infra.Passes)
        {
            var settings = pass.AppSettings;
            var missing = required.Where(name => string.IsNullOrWhiteSpace(settings[name]?.ToString())).ToList();
            Assert.True(missing.Count == 0, $"{pass}: not set: {string.Join(", ", missing)}");
        }
    }

    [Fact]
    public void AppSettings_BothPasses_SetOnlySettingsTheAppOrTheHostReads()
    {
        var known = AppSettings.RequiredInAzure.Concat(AppSettings.Optional).Concat(HostSettings).Concat(TriggerPlaceholders()).ToHashSet(StringComparer.Ordinal);

        foreach (var pass in infra.Passes)
        {
            var unknown = pass.AppSettings.Select(s => s.Key).Where(name => !known.Contains(name)).ToList();
            Assert.True(unknown.Count == 0, $"{pass}: no code reads {string.Join(", ", unknown)} (typo, or add it to Shared/Configuration/AppSettings.cs)");
        }
    }

    [Fact]
    public void FunctionApp_FlexConsumption_SetsTheRuntimeInSiteConfigNotAppSettings()
    {
        var plan = infra.SecondPass.Single("Microsoft.Web/serverfarms");
        var site = infra.SecondPass.Single("Microsoft.Web/sites");
        var runtime = site["properties"]!["functionAppConfig"]!["runtime"]!;

        Assert.Equal("FC1", (string?)plan["sku"]!["name"]);
        Assert.Equal("FlexConsumption", (string?)plan["sku"]!["tier"]);
        Assert.Equal("functionapp,linux", (string?)site["kind"]);
        Assert.Equal("dotnet-isolated", (string?)runtime["name"]);
        Assert.Equal("10.0", (string?)runtime["version"]);
        Assert.True((bool)site["properties"]!["httpsOnly"]!);
        Assert.Null(infra.SecondPass.AppSettings["FUNCTIONS_WORKER_RUNTIME"]);
        Assert.Null(infra.SecondPass.AppSettings["FUNCTIONS_EXTENSION_VERSION"]);
    }

    [Fact]
    public void AppSettings_Storage_IsIdentityBasedThroughTheAppsOwnIdentity()
    {
        var pass = infra.SecondPass;
        var identity = pass.Single("Microsoft.ManagedIdentity/userAssignedIdentities");
        var site = pass.Single("Microsoft.Web/sites");
        var storage = pass.Single("Microsoft.Storage/storageAccounts");

        Assert.Null(pass.AppSettings["AzureWebJobsStorage"]);
        Assert.Equal("managedidentity", pass.Setting("AzureWebJobsStorage__credential"));
        Assert.Equal((string?)storage["name"], pass.Setting("AzureWebJobsStorage__accountName"));
        Assert.Contains($"reference('{identity["id"]}'", pass.Setting("AzureWebJobsStorage__clientId"), StringComparison.Ordinal);
        Assert.EndsWith(".clientId»", pass.Setting("AzureWebJobsStorage__clientId"), StringComparison.Ordinal);
        Assert.Equal("UserAssigned", (string?)site["identity"]!["type"]);
        Assert.NotNull(site["identity"]!["userAssignedIdentities"]![(string)identity["id"]!]);
        foreach (var service in new[] { "blob", "queue", "table" })
        {
            Assert.Equal($"«reference('{storage["id"]}', '{storage["apiVersion"]}').primaryEndpoints.{service}»", pass.Setting($"AzureWebJobsStorage__{service}ServiceUri"));
        }
    }

    [Fact]
    public void AppSettings_Secrets_OnlyTheSecureParameter_SignalRByManagedIdentity_Issue13()
    {
        var pass = infra.SecondPass;
        var connection = pass.Setting("AzureSignalRConnectionString");

        Assert.DoesNotContain("listKeys", connection, StringComparison.Ordinal);
        Assert.DoesNotContain("AccessKey", connection, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(";AuthType=azure.msi;ClientId=", connection, StringComparison.Ordinal);
        Assert.True(connection.Contains(".properties.clientId", StringComparison.Ordinal) || connection.Contains(".clientId»", StringComparison.Ordinal), connection);
        Assert.StartsWith("Endpoint=https://", connection, StringComparison.Ordinal);
        Assert.Equal("«parameters('relayWebhookSecret')»", pass.Setting("Relay__WebhookSecret"));
        Assert.DoesNotContain(InfraFixture.WebhookSecret, TemplateScan.Text(pass.AppSettings), StringComparison.Ordinal);
    }

    [Fact]
    public void AppSettings_SweepSchedules_TogetherFireEvery90Seconds()
    {
        var schedules = new[] { infra.SecondPass.Setting("SweepScheduleA"), infra.SecondPass.Setting("SweepScheduleB") };

        // Both schedules run every hour and day; the pattern repeats every 3 minutes. List the firings in one cycle.
        var firings = Enumerable.Range(0, 180).Where(second => schedules.Any(s => Fires(s, second))).ToList();

        Assert.Equal([0, 90], firings);
        Assert.All(schedules, s => Assert.All(s.Split(' ')[2..], field => Assert.Equal("*", field)));
    }

    [Fact]
    public void AppSettings_DashboardTimings_AreTheCodeDefaults()
    {
        var pass = infra.SecondPass;

        Assert.Equal(DashboardOptions.DefaultHeartbeatInterval, TimeSpan.Parse(pass.Setting("Dashboard__HeartbeatInterval"), CultureInfo.InvariantCulture));
        Assert.Equal(DashboardOptions.DefaultStaleTimeout, TimeSpan.Parse(pass.Setting("Dashboard__StaleTimeout"), CultureInfo.InvariantCulture));
        Assert.Equal(DashboardOptions.DefaultConnectionTimeout, TimeSpan.Parse(pass.Setting("Dashboard__ConnectionTimeout"), CultureInfo.InvariantCulture));
    }

    [Fact]
    public void AppSettings_SignalR_HubIsDashboardAndTheDashboardOriginIsTheAppItself()
    {
        var pass = infra.SecondPass;
        var site = pass.Single("Microsoft.Web/sites");

        Assert.Equal("dashboard", pass.Setting("SignalR__HubName"));
        Assert.Equal($"https://«reference('{site["id"]}', '{site["apiVersion"]}').defaultHostName»", pass.Setting("SignalR__AllowedOrigins__0"));
    }

    [Fact]
    public void Storage_Account_HasTheAppsTablesQueuesAndContainersWithSharedKeysOff()
    {
        var pass = infra.FirstPass;
        var storage = pass.Single("Microsoft.Storage/storageAccounts");
        string[] Children(string type) => pass.OfType(type).Select(r => ((string)r["name"]!).Split('/')[^1]).Order(StringComparer.Ordinal).ToArray();

        Assert.False((bool)storage["properties"]!["allowSharedKeyAccess"]!);
        Assert.False((bool)storage["properties"]!["allowBlobPublicAccess"]!);
        Assert.Equal(["connections", "deadletters", "eventlog"], Children("Microsoft.Storage/storageAccounts/tableServices/tables"));
        Assert.Equal(["relay-delivery", "relay-delivery-poison"], Children("Microsoft.Storage/storageAccounts/queueServices/queues"));
        Assert.Equal(["app-package", "eventgrid-deadletter"], Children("Microsoft.Storage/storageAccounts/blobServices/containers"));
    }

    [Fact]
    public void Roles_EveryPrincipal_GetsOnlyTheDataRolesItNeeds()
    {
        var pass = infra.FirstPass;
        var identity = (string)pass.Single("Microsoft.ManagedIdentity/userAssignedIdentities")["id"]!;
        var topic = (string)pass.Single("Microsoft.EventGrid/topics")["id"]!;
        var storage = (string)pass.Single("Microsoft.Storage/storageAccounts")["id"]!;
        var insights = (string)pass.Single("Microsoft.Insights/components")["id"]!;
        var signalR = (string)pass.Single("Microsoft.SignalRService/signalR")["id"]!;
        var assignments = pass.OfType("Microsoft.Authorization/roleAssignments")
            .Select(a => (Principal: Principal(a, identity, topic), Role: ((string)a["properties"]!["roleDefinitionId"]!).Split('/')[^1], Scope: Scope(a)))
            .OrderBy(a => a.Principal, StringComparer.Ordinal).ThenBy(a => a.Role, StringComparer.Ordinal)
            .ToList();

        (string, string, string)[] expected =
        [
            ("app", "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3", storage), // Storage Table Data Contributor
            ("app", "3913510d-42f4-4e42-8a64-420c390055eb", insights), // Monitoring Metrics Publisher
            ("app", "420fcaa2-552c-430f-98ca-3264be4806c7", signalR), // SignalR App Server
            ("app", "974c5e8b-45b9-4653-ba55-5f855dd0fb88", storage), // Storage Queue Data Contributor
            ("app", "b7e6dc6d-f1e8-4753-8033-0f276bb0955b", storage), // Storage Blob Data Owner
            ("deployer", "d5a91429-5739-47e2-a06b-3470a27159e7", topic), // EventGrid Data Sender
            ("topic", "ba92f5b4-2d11-453d-a403-e96b0029c9fe", $"{storage}/blobServices/default/containers/eventgrid-deadletter"), // Storage Blob Data Contributor
        ];
        Assert.Equal(expected, assignments);
        Assert.All(pass.OfType("Microsoft.Authorization/roleAssignments"), a => Assert.NotNull((string?)a["properties"]!["principalType"]));
    }

    /// <summary>Every %Name% a trigger reads from app settings (timer schedules, queue names) in the Functions assembly.</summary>
    private static IEnumerable<string> TriggerPlaceholders() =>
        FunctionsMetadataTests.DeclaredFunctions()
            .SelectMany(f => f.Trigger.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(p => p.PropertyType == typeof(string))
                .Select(p => p.GetValue(f.Trigger) as string))
            .Where(v => v is not null)
            .SelectMany(v => Placeholder().Matches(v!).Select(m => m.Groups[1].Value));

    /// <summary>True when an NCRONTAB schedule whose hour/day fields are * fires at this second of a 3-minute cycle.</summary>
    private static bool Fires(string schedule, int secondOfCycle)
    {
        var fields = schedule.Split(' ');
        Assert.Equal(6, fields.Length);
        return Matches(fields[0], secondOfCycle % 60) && Matches(fields[1], secondOfCycle / 60);
    }

    /// <summary>One NCRONTAB field: lists of *, n, a-b, each with an optional /step.</summary>
    private static bool Matches(string field, int value) => field.Split(',').Any(part =>
    {
        var (range, step) = part.Split('/') is [var r, var s] ? (r, int.Parse(s, CultureInfo.InvariantCulture)) : (part, 1);
        var (from, to) = range switch
        {
            "*" => (0, 59),
            _ when range.Split('-') is [var a, var b] => (int.Parse(a, CultureInfo.InvariantCulture), int.Parse(b, CultureInfo.InvariantCulture)),
            _ => (int.Parse(range, CultureInfo.InvariantCulture), part.Contains('/', StringComparison.Ordinal) ? 59 : int.Parse(range, CultureInfo.InvariantCulture)),
        };
        return value >= from && value <= to && (value - from) % step == 0;
    });

    private static string Principal(JsonObject assignment, string identityId, string topicId)
    {
        var principal = assignment["properties"]!["principalId"]!.ToString();
        return principal switch
        {
            InfraFixture.DeployerPrincipalId => "deployer",
            _ when principal.Contains($"reference('{identityId}'", StringComparison.Ordinal) => "app",
            _ when principal.Contains($"reference('{topicId}'", StringComparison.Ordinal) => "topic",
            _ => principal,
        };
    }

    /// <summary>The scope of a role assignment: its id is either literal or an extensionResourceId(scope, ...) expression.</summary>
    private static string Scope(JsonObject assignment)
    {
        var id = (string)assignment["id"]!;
        var expression = ExtensionResourceScope().Match(id);
        return expression.Success ? expression.Groups[1].Value : id[..id.IndexOf("/providers/Microsoft.Authorization/", StringComparison.Ordinal)];
    }

    [GeneratedRegex(@"^\[extensionResourceId\('([^']+)'")]
    private static partial Regex ExtensionResourceScope();

    [GeneratedRegex("%([^%]+)%")]
    private static partial Regex Placeholder();
}
