using System.Text.RegularExpressions;
using FunctionsDashboard.DevHost.Hosting;
using FunctionsDashboard.Tests.Hosting;
using Microsoft.Azure.Functions.Worker;

namespace FunctionsDashboard.Tests.Infra;

/// <summary>
/// Issue 7: SignalR Service (Serverless) calls the upstream route with the host's function key, and Event Grid delivers
/// to the relay route with the shared secret, dead-lettering with the topic's identity. Both are wired only in the
/// second pass (WIRE_ENDPOINTS=true), once the app answers.
/// </summary>
[Collection(InfraCollection.Name)]
public sealed partial class TemplateEndpointTests(InfraFixture infra)
{
    /// <summary>The routes the cloud services call, after the route prefix, and the verbs they use.</summary>
    public static TheoryData<string, string[]> CalledRoutes => new()
    {
        { "signalr/upstream", ["post"] },
        { "eventgrid", ["post", "options"] },
    };

    [Fact]
    public void SignalR_BothPasses_IsServerlessWithAConnectionTimeoutAndLocalAuthOff_Issue13()
    {
        foreach (var pass in infra.Passes)
        {
            var properties = pass.Single("Microsoft.SignalRService/signalR")["properties"]!;

            Assert.Contains(properties["features"]!.AsArray(), f => (string?)f!["flag"] == "ServiceMode" && (string?)f["value"] == "Serverless");
            Assert.InRange((int)properties["serverless"]!["connectionTimeoutInSeconds"]!, 1, 120);
            // Identity only: the app uses the Entra accessKey flow (SignalREntraAccessKey), never an access key.
            Assert.True((bool)properties["disableLocalAuth"]!);
        }
    }

    [Fact]
    public void Upstream_FirstPass_IsNotWiredBeforeTheAppRuns()
    {
        var templates = infra.FirstPass.Single("Microsoft.SignalRService/signalR")["properties"]!["upstream"]!["templates"]!.AsArray();

        Assert.Empty(templates);
    }

    [Fact]
    public void Upstream_SecondPass_CallsTheUpstreamRouteWithTheHostsDefaultFunctionKey()
    {
        var pass = infra.SecondPass;
        var template = Assert.Single(pass.Single("Microsoft.SignalRService/signalR")["properties"]!["upstream"]!["templates"]!.AsArray())!;
        var url = UrlExpression().Match(ArmExpression.Render((string)template["urlTemplate"]!));

        Assert.Equal(pass.Setting("SignalR__HubName"), (string?)template["hubPattern"]);
        Assert.Equal("*", (string?)template["categoryPattern"]);
        Assert.Equal("*", (string?)template["eventPattern"]);
        Assert.True(url.Success, ArmExpression.Render((string)template["urlTemplate"]!));
        Assert.StartsWith($"reference('{pass.FunctionAppId}'", url.Groups["host"].Value, StringComparison.Ordinal);
        Assert.Equal(RoutePath("signalr/upstream"), url.Groups["path"].Value);
        Assert.Matches($@"^listKeys\('{Regex.Escape(pass.FunctionAppId)}/host/default', '[^']+'\)\.functionKeys\.default$", url.Groups["code"].Value);
    }

    [Fact]
    public void Webhook_FirstPass_HasNoSubscriptionBeforeTheAppAnswersTheHandshake()
    {
        Assert.Empty(infra.FirstPass.OfType("Microsoft.EventGrid/topics/eventSubscriptions"));
        Assert.Single(infra.FirstPass.OfType("Microsoft.EventGrid/topics"));
    }

    [Fact]
    public void Webhook_SecondPass_DeliversToTheRelayRouteWithTheSecretAndDeadLettersWithTheTopicsIdentity()
    {
        var pass = infra.SecondPass;
        var topic = pass.Single("Microsoft.EventGrid/topics");
        var subscription = pass.Single("Microsoft.EventGrid/topics/eventSubscriptions")["properties"]!;
        var destination = subscription["destination"]!;
        var endpointUrl = ArmExpression.Render((string)destination["properties"]!["endpointUrl"]!);
        var url = UrlExpression().Match(endpointUrl);
        var deadLetter = subscription["deadLetterWithResourceIdentity"]!;

        Assert.Equal("WebHook", (string?)destination["endpointType"]);
        Assert.True(url.Success, endpointUrl);
        Assert.StartsWith($"reference('{pass.FunctionAppId}'", url.Groups["host"].Value, StringComparison.Ordinal);
        Assert.Equal(RoutePath("eventgrid"), url.Groups["path"].Value);
        Assert.Equal("uriComponent(parameters('relayWebhookSecret'))", url.Groups["code"].Value);
        Assert.DoesNotContain(InfraFixture.WebhookSecret, TemplateScan.Text(subscription), StringComparison.Ordinal);

        Assert.Equal((string?)topic["properties"]!["inputSchema"], (string?)subscription["eventDeliverySchema"]);
        Assert.InRange((int)subscription["retryPolicy"]!["maxDeliveryAttempts"]!, 1, 30);
        Assert.InRange((int)subscription["retryPolicy"]!["eventTimeToLiveInMinutes"]!, 1, 1440);
        Assert.Null(subscription["deadLetterDestination"]);
        Assert.Equal("SystemAssigned", (string?)deadLetter["identity"]!["type"]);
        Assert.Equal("SystemAssigned", (string?)topic["identity"]!["type"]);
        Assert.Equal("StorageBlob", (string?)deadLetter["deadLetterDestination"]!["endpointType"]);
        Assert.Equal((string?)pass.Single("Microsoft.Storage/storageAccounts")["id"], (string?)deadLetter["deadLetterDestination"]!["properties"]!["resourceId"]);
        Assert.Equal("eventgrid-deadletter", (string?)deadLetter["deadLetterDestination"]!["properties"]!["blobContainerName"]);
        Assert.True((bool)topic["properties"]!["disableLocalAuth"]!);
    }

    [Theory]
    [MemberData(nameof(CalledRoutes))]
    public void CalledRoute_WhenTheFunctionExists_AcceptsTheVerbsTheServiceUses(string route, string[] verbs)
    {
        // The upstream and relay functions are built alongside this template; once a function declares the route,
        // it must take the service's verbs. The relay authenticates Event Grid by the shared secret in `code`, so its
        // trigger must be anonymous (a Function-level trigger would read `code` as a function key and answer 401).
        var function = FunctionsMetadataTests.DeclaredFunctions()
            .Select(f => (f.Name, Http: f.Trigger as HttpTriggerAttribute))
            .SingleOrDefault(f => f.Http is not null && string.Equals(f.Http.Route, route, StringComparison.OrdinalIgnoreCase));
        if (function.Http is null)
        {
            return;
        }

        Assert.Superset(verbs.ToHashSet(StringComparer.OrdinalIgnoreCase), function.Http.Methods!.ToHashSet(StringComparer.OrdinalIgnoreCase));
        if (route == "eventgrid")
        {
            Assert.Equal(AuthorizationLevel.Anonymous, function.Http.AuthLevel);
        }
    }

    /// <summary>/{routePrefix}/{route}, the prefix read from the app's host.json as the Functions host reads it.</summary>
    private static string RoutePath(string route)
    {
        var prefix = LocalSettings.Load(RepoPaths.Root).RoutePrefix;
        return prefix.Length == 0 ? $"/{route}" : $"/{prefix}/{route}";
    }

    [GeneratedRegex(@"^https://«(?<host>[^»]+)\.defaultHostName»(?<path>/[^?]*)\?code=«(?<code>[^»]+)»$")]
    private static partial Regex UrlExpression();
}
