using System.Xml.Linq;

namespace FunctionsDashboard.Tests.Infra;

/// <summary>
/// Central package management keeps every version in <c>Directory.Packages.props</c>. These tests keep that list
/// honest: a version nothing references is noise (and, with transitive pinning, a silent pin), and a reference without
/// a central version does not restore.
/// </summary>
public sealed class PackageVersionsTests
{
    [Fact]
    public void EveryPackageVersion_IsReferencedByAProject()
    {
        var referenced = PackageReferences().Select(r => r.Package).ToHashSet(StringComparer.OrdinalIgnoreCase);

        var unused = PackageVersions().Where(v => !referenced.Contains(v)).ToList();

        Assert.NotEmpty(referenced);
        Assert.True(unused.Count == 0, $"Directory.Packages.props lists versions nothing references: {string.Join(", ", unused)}.");
    }

    [Fact]
    public void EveryPackageReference_HasACentralVersionAndNoVersionOfItsOwn()
    {
        var versions = PackageVersions().ToHashSet(StringComparer.OrdinalIgnoreCase);
        var references = PackageReferences();

        Assert.NotEmpty(references);
        Assert.All(references, r => Assert.True(versions.Contains(r.Package), $"{r.Project} references {r.Package}, which has no PackageVersion."));
        Assert.All(references, r => Assert.False(r.HasVersion, $"{r.Project} sets a version on {r.Package}: versions go in Directory.Packages.props."));
    }

    private static List<string> PackageVersions() =>
        XDocument.Load(Path.Combine(RepoPaths.Root, "Directory.Packages.props"))
            .Descendants("PackageVersion")
            .Select(e => (string)e.Attribute("Include")!)
            .ToList();

    private static List<(string Project, string Package, bool HasVersion)> PackageReferences() =>
        ProjectFiles()
            .SelectMany(file => XDocument.Load(file).Descendants("PackageReference")
                .Select(e => (Path.GetRelativePath(RepoPaths.Root, file), (string)e.Attribute("Include")!, e.Attribute("Version") is not null || e.Attribute("VersionOverride") is not null)))
            .ToList();

    private static IEnumerable<string> ProjectFiles() =>
        Directory.EnumerateFiles(RepoPaths.Root, "*.csproj", SearchOption.AllDirectories)
            .Append(Path.Combine(RepoPaths.Root, "Directory.Build.props"))
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(part => part is "node_modules" or "artifacts" or "bin" or "obj" or ".git"));
}
