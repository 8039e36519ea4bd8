using System.Text.Json.Nodes;

namespace FunctionsDashboard.Tests.Infra;

/// <summary>One <c>bicep snapshot</c> of main.bicepparam: the resources a deployment would create, and its outputs.</summary>
/// <param name="Name">Which pass.</param>
/// <param name="Result">The CLI run.</param>
/// <param name="Json">The snapshot document (null when the CLI failed).</param>
public sealed record Snapshot(string Name, BicepResult Result, JsonObject? Json)
{
    /// <summary>The predicted resources; throws with the CLI output when the snapshot failed.</summary>
    public IReadOnlyList<JsonObject> Resources =>
        (Json ?? throw new InvalidOperationException($"{Name}: {Result}"))["predictedResources"]!.AsArray().Select(r => r!.AsObject()).ToList();

    /// <summary>The deployment's outputs, evaluated as far as the CLI can.</summary>
    public JsonObject Outputs => (Json ?? throw new InvalidOperationException($"{Name}: {Result}"))["outputs"]!.AsObject();

    /// <summary>Resources of one type.</summary>
    public IReadOnlyList<JsonObject> OfType(string type) =>
        Resources.Where(r => string.Equals((string?)r["type"], type, StringComparison.OrdinalIgnoreCase)).ToList();

    /// <summary>The one resource of a type; fails naming the type when there is none or more than one.</summary>
    public JsonObject Single(string type)
    {
        var found = OfType(type);
        Assert.True(found.Count == 1, $"{Name}: expected one {type}, found {found.Count}");
        return found[0];
    }

    /// <summary>The function app's app settings.</summary>
    public JsonObject AppSettings =>
        OfType("Microsoft.Web/sites/config").Single(r => ((string)r["name"]!).EndsWith("/appsettings", StringComparison.Ordinal))["properties"]!.AsObject();

    /// <summary>An app setting's value rendered with <see cref="ArmExpression.Render"/>.</summary>
    public string Setting(string name) =>
        AppSettings[name] is { } value ? ArmExpression.Render(value.ToString()) : throw new KeyNotFoundException($"{Name}: app setting {name} is not set");

    /// <summary>Resource id prefix of the resource group every app resource lives in.</summary>
    public string ResourceGroupId => (string)Single("Microsoft.Resources/resourceGroups")["id"]!;

    /// <summary>The function app's resource id.</summary>
    public string FunctionAppId => (string)Single("Microsoft.Web/sites")["id"]!;

    /// <inheritdoc />
    public override string ToString() => Name;
}
