using System.Reflection;
using System.Text.Json;
using FunctionsDashboard.Functions.Health;
using FunctionsDashboard.Storage;
using Microsoft.Azure.Functions.Worker;

namespace FunctionsDashboard.Tests.Hosting;

/// <summary>
/// The Azure Functions host indexes functions.metadata (written by the Worker SDK at build time) before it accepts any
/// traffic. These tests read the real generated file and check every function is declared there as the code says.
/// </summary>
public sealed class FunctionsMetadataTests
{
    private static readonly Assembly FunctionsAssembly = typeof(HealthFunction).Assembly;

    public static TheoryData<string> FunctionNames()
    {
        var data = new TheoryData<string>();
        foreach (var name in DeclaredFunctions().Select(f => f.Name))
        {
            data.Add(name);
        }

        return data;
    }

    [Fact]
    public void Metadata_ListsExactlyTheDeclaredFunctions()
    {
        var inMetadata = ReadMetadata().Select(f => f.GetProperty("name").GetString()!).Order().ToList();
        var declared = DeclaredFunctions().Select(f => f.Name).Order().ToList();

        Assert.NotEmpty(declared);
        Assert.Equal(declared, inMetadata);
    }

    /// <summary>
    /// Issue 16: one convention for every function: class <c>{Name}Function</c> holding <c>public const string Name</c>,
    /// used by <c>[Function(Name)]</c> on its one method, <c>Run</c>.
    /// </summary>
    [Theory]
    [MemberData(nameof(FunctionNames))]
    public void Function_FollowsTheConvention(string name)
    {
        var declared = DeclaredFunctions().Single(f => f.Name == name);
        var type = declared.Method.DeclaringType!;

        Assert.Equal($"{name}Function", type.Name);
        Assert.Equal("Run", declared.Method.Name);
        var constant = type.GetField("Name", BindingFlags.Public | BindingFlags.Static);
        Assert.True(constant is { IsLiteral: true } && constant.FieldType == typeof(string), $"{type.Name} has no public const string Name.");
        Assert.Equal(name, constant.GetRawConstantValue());
        Assert.Single(DeclaredFunctions(), f => f.Method.DeclaringType == type);
    }

    [Theory]
    [MemberData(nameof(FunctionNames))]
    public void Metadata_DeclaresTriggerEntryPointRouteAndMethods(string name)
    {
        var declared = DeclaredFunctions().Single(f => f.Name == name);
        var entry = ReadMetadata().Single(f => f.GetProperty("name").GetString() == name);

        Assert.Equal($"{declared.Method.DeclaringType!.FullName}.{declared.Method.Name}", entry.GetProperty("entryPoint").GetString());
        Assert.Equal("dotnet-isolated", entry.GetProperty("language").GetString());

        var trigger = entry.GetProperty("bindings").EnumerateArray().Single(b => b.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal));
        switch (declared.Trigger)
        {
            case HttpTriggerAttribute http:
                Assert.Equal("httpTrigger", trigger.GetProperty("type").GetString());
                Assert.Equal(http.Route, trigger.GetProperty("route").GetString());
                Assert.Equal(http.AuthLevel.ToString(), trigger.GetProperty("authLevel").GetString());
                Assert.Equal(
                    http.Methods!.Select(m => m.ToLowerInvariant()).Order(),
                    trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()!.ToLowerInvariant()).Order());
                break;
            case TimerTriggerAttribute timer:
                Assert.Equal("timerTrigger", trigger.GetProperty("type").GetString());
                Assert.Equal(timer.Schedule, trigger.GetProperty("schedule").GetString());
                Assert.StartsWith("%", timer.Schedule, StringComparison.Ordinal); // schedules come from app settings
                break;
            case QueueTriggerAttribute queue:
                Assert.Equal("queueTrigger", trigger.GetProperty("type").GetString());
                Assert.Equal(queue.QueueName, trigger.GetProperty("queueName").GetString());
                // Queue functions listen on the host's own storage account (the app's tables and queues live there too).
                Assert.Equal(StorageOptions.ConnectionName, queue.Connection);
                Assert.Equal(StorageOptions.ConnectionName, trigger.GetProperty("connection").GetString());
                break;
            default:
                Assert.Fail($"Test does not know trigger {declared.Trigger.GetType().Name}; extend it.");
                break;
        }
    }

    internal static IReadOnlyList<(string Name, MethodInfo Method, Attribute Trigger)> DeclaredFunctions() =>
        FunctionsAssembly.GetExportedTypes()
            .SelectMany(t => t.GetMethods())
            .Select(m => (Method: m, Function: m.GetCustomAttribute<FunctionAttribute>()))
            .Where(x => x.Function is not null)
            .Select(x => (x.Function!.Name, x.Method, x.Method.GetParameters()
                .SelectMany(p => p.GetCustomAttributes())
                .Single(a => a.GetType().Name.EndsWith("TriggerAttribute", StringComparison.Ordinal))))
            .ToList();

    private static List<JsonElement> ReadMetadata()
    {
        var path = Path.Combine(RepoPaths.FunctionsOutput, "functions.metadata");
        Assert.True(File.Exists(path), $"functions.metadata not found at {path}: build the Functions project first.");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
    }
}
