using System.Collections.Frozen;
using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace FunctionsDashboard.Functions.Dashboard;

/// <summary>
/// <c>GET /api/dashboard/{*path}</c>: the dashboard page (plain HTML, CSS and ES modules, plus @microsoft/signalr from
/// npm), embedded in the app so both hosts serve the same files.
/// </summary>
public sealed class DashboardPageFunction
{
    /// <summary>The function name (app settings such as <c>AzureWebJobs.DashboardPage.Disabled</c> use it).</summary>
    public const string Name = "DashboardPage";

    private static readonly FrozenDictionary<string, (byte[] Content, string ContentType)> Files = LoadFiles();

    /// <summary>Serves a page file; <c>/api/dashboard</c> redirects to <c>/api/dashboard/</c> so relative URLs work.</summary>
    [Function(Name)]
    public IResult Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "dashboard/{*path}")] HttpRequest request,
        string? path)
    {
        if (string.IsNullOrEmpty(path) && !(request.Path.Value ?? "").EndsWith('/'))
        {
            return TypedResults.Redirect(request.PathBase.Add(request.Path) + "/");
        }

        if (!Files.TryGetValue(string.IsNullOrEmpty(path) ? "index.html" : path, out var file))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: $"The dashboard has no file '{path}'.");
        }

        request.HttpContext.Response.Headers.CacheControl = "no-cache";
        return TypedResults.Bytes(file.Content, file.ContentType);
    }

    private static FrozenDictionary<string, (byte[], string)> LoadFiles()
    {
        const string prefix = "dashboard/";
        var assembly = Assembly.GetExecutingAssembly();
        var files = new Dictionary<string, (byte[], string)>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            files[name[prefix.Length..]] = (memory.ToArray(), ContentType(name));
        }

        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static string ContentType(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".map" => "application/json",
        _ => "application/octet-stream",
    };
}
