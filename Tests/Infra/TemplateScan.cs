using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace FunctionsDashboard.Tests.Infra;

/// <summary>Walks a compiled ARM template and the templates of its modules (nested deployments).</summary>
internal static partial class TemplateScan
{
    /// <summary>The template and every nested module template, each with a readable path ("main", "main/storage", ...).</summary>
    public static IEnumerable<(string Path, JsonObject Template)> Templates(JsonObject template, string path = "main")
    {
        yield return (path, template);
        foreach (var resource in ResourcesOf(template))
        {
            if (string.Equals((string?)resource["type"], "Microsoft.Resources/deployments", StringComparison.OrdinalIgnoreCase)
                && resource["properties"]?["template"] is JsonObject nested)
            {
                var name = resource["name"]?.ToString() ?? "?";
                foreach (var inner in Templates(nested, $"{path}/{name}"))
                {
                    yield return inner;
                }
            }
        }
    }

    /// <summary>A template's resources, whether an array or (languageVersion 2.0) an object keyed by symbolic name.</summary>
    public static IEnumerable<JsonObject> ResourcesOf(JsonObject template) => template["resources"] switch
    {
        JsonArray array => array.OfType<JsonObject>(),
        JsonObject map => map.Select(p => p.Value).OfType<JsonObject>(),
        _ => [],
    };

    /// <summary>Named members of a template section ("parameters", "outputs").</summary>
    public static IEnumerable<(string Name, JsonObject Value)> Section(JsonObject template, string section) =>
        template[section] is JsonObject members
            ? members.Where(m => m.Value is JsonObject).Select(m => (m.Key, m.Value!.AsObject()))
            : [];

    /// <summary>
    /// Why an output of a template can leak a secret, or null when it cannot: a secure output type, a list*() call
    /// (listKeys, listSecrets, ...), or a secure parameter of that template.
    /// </summary>
    public static string? SecretIn(JsonObject template, JsonObject output)
    {
        var type = (string?)output["type"] ?? "";
        if (type.StartsWith("secure", StringComparison.OrdinalIgnoreCase))
        {
            return $"its type is {type}";
        }

        var value = Text(output["value"]);
        if (ListCall().Match(value) is { Success: true } call)
        {
            return $"it calls {call.Groups[1].Value}()";
        }

        foreach (var (name, parameter) in Section(template, "parameters"))
        {
            if (((string?)parameter["type"] ?? "").StartsWith("secure", StringComparison.OrdinalIgnoreCase)
                && value.Contains($"parameters('{name}')", StringComparison.OrdinalIgnoreCase))
            {
                return $"it reads the secure parameter {name}";
            }
        }

        return null;
    }

    /// <summary>A node as text: a string value as is, anything else as JSON without escaping quotes (ARM expressions stay readable).</summary>
    public static string Text(JsonNode? node) => node switch
    {
        null => "",
        JsonValue value when value.TryGetValue<string>(out var text) => text,
        _ => node.ToJsonString(Unescaped),
    };

    private static readonly JsonSerializerOptions Unescaped = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [GeneratedRegex(@"\b(list[A-Za-z]*)\s*\(", RegexOptions.IgnoreCase)]
    private static partial Regex ListCall();
}
