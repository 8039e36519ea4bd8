using System.Text.Json;

namespace FunctionsDashboard.DevHost.Hosting;

/// <summary>
/// The files Core Tools reads, read the same way: <c>host.json</c> (route prefix) and <c>local.settings.json</c>
/// (<c>Values</c> become settings; <c>__</c> in a name is the configuration section separator, as in environment variables).
/// Falls back to <c>local.settings.sample.json</c> when there is no <c>local.settings.json</c>.
/// </summary>
internal sealed class LocalSettings
{
    public const string FileName = "local.settings.json";
    public const string SampleFileName = "local.settings.sample.json";

    private LocalSettings(string root, string? settingsFile, string routePrefix, IReadOnlyDictionary<string, string?> values, IReadOnlyDictionary<string, string> queues)
    {
        Queues = queues;
        Root = root;
        SettingsFile = settingsFile;
        RoutePrefix = routePrefix;
        Values = values;
    }

    /// <summary>The app root (where host.json lives).</summary>
    public string Root { get; }

    /// <summary>The settings file that was read, or null.</summary>
    public string? SettingsFile { get; }

    /// <summary>host.json <c>extensions.http.routePrefix</c>; <c>api</c> when absent, empty for none.</summary>
    public string RoutePrefix { get; }

    /// <summary>host.json <c>extensions.queues</c> settings, as text.</summary>
    public IReadOnlyDictionary<string, string> Queues { get; }

    /// <summary>An integer queue setting.</summary>
    public int? QueueInt(string name) => Queues.TryGetValue(name, out var v) && int.TryParse(v, System.Globalization.CultureInfo.InvariantCulture, out var i) ? i : null;

    /// <summary>A TimeSpan queue setting.</summary>
    public TimeSpan? QueueTimeSpan(string name) => Queues.TryGetValue(name, out var v) && TimeSpan.TryParse(v, System.Globalization.CultureInfo.InvariantCulture, out var t) ? t : null;

    /// <summary>The <c>Values</c> (and <c>ConnectionStrings</c>), as configuration keys.</summary>
    public IReadOnlyDictionary<string, string?> Values { get; }

    public static LocalSettings Load(string root, string? settingsFile = null)
    {
        var hostJson = Path.Combine(root, "host.json");
        if (!File.Exists(hostJson))
        {
            throw new InvalidOperationException($"DevHost: no host.json in '{root}'. Run from the repository root or pass --DevHost:Root=<path>.");
        }

        var (routePrefix, queues) = ReadHostJson(hostJson);
        settingsFile = settingsFile is null
            ? new[] { FileName, SampleFileName }.Select(f => Path.Combine(root, f)).FirstOrDefault(File.Exists)
            : Path.Combine(root, settingsFile);
        if (settingsFile is not null && !File.Exists(settingsFile))
        {
            throw new InvalidOperationException($"DevHost: settings file '{settingsFile}' does not exist.");
        }

        var values = settingsFile is null ? new Dictionary<string, string?>() : ReadValues(settingsFile);
        return new LocalSettings(root, settingsFile, routePrefix, values, queues);
    }

    /// <summary>Finds the app root: the nearest folder upwards holding host.json and the solution file.</summary>
    public static string? FindRoot(params string[] starts)
    {
        foreach (var start in starts)
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "host.json")) && File.Exists(Path.Combine(dir.FullName, "FunctionsDashboard.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        return null;
    }

    private static (string RoutePrefix, Dictionary<string, string> Queues) ReadHostJson(string hostJson)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(hostJson), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var routePrefix = "api";
        var queues = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (doc.RootElement.TryGetProperty("extensions", out var extensions))
        {
            if (extensions.TryGetProperty("http", out var http) && http.TryGetProperty("routePrefix", out var prefix) && prefix.ValueKind == JsonValueKind.String)
            {
                routePrefix = prefix.GetString()!.Trim('/');
            }

            if (extensions.TryGetProperty("queues", out var queueSection) && queueSection.ValueKind == JsonValueKind.Object)
            {
                foreach (var p in queueSection.EnumerateObject())
                {
                    queues[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
                }
            }
        }

        return (routePrefix, queues);
    }

    private static Dictionary<string, string?> ReadValues(string file)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(file), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (doc.RootElement.TryGetProperty("Values", out var section) && section.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in section.EnumerateObject())
            {
                values[p.Name.Replace("__", ":", StringComparison.Ordinal)] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : p.Value.GetRawText();
            }
        }

        if (doc.RootElement.TryGetProperty("ConnectionStrings", out var connectionStrings) && connectionStrings.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in connectionStrings.EnumerateObject())
            {
                values[$"ConnectionStrings:{p.Name}"] = p.Value.GetString();
            }
        }

        return values;
    }
}
