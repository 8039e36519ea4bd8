using System.Reflection;
using Microsoft.Azure.Functions.Worker;

namespace FunctionsDashboard.DevHost.FunctionRunners;

/// <summary>
/// Finds every <c>[Function]</c> in the function app, as the worker's metadata generator does. A function whose trigger
/// DevHost cannot run stops DevHost at startup: no function is silently left out.
/// </summary>
internal static class FunctionIndex
{
    /// <summary>
    /// True when the app setting <c>AzureWebJobs.{name}.Disabled</c> (or <c>AzureWebJobs__{name}__Disabled</c>) is true:
    /// the Functions host then does not run the function's trigger, and neither do DevHost's timer and queue runners.
    /// </summary>
    public static bool IsDisabled(string name, IConfiguration configuration) =>
        bool.TryParse(configuration[$"AzureWebJobs.{name}.Disabled"] ?? configuration[$"AzureWebJobs:{name}:Disabled"], out var disabled) && disabled;

    public static IReadOnlyList<FunctionDescriptor> Discover(Assembly assembly)
    {
        var functions = new List<FunctionDescriptor>();
        var unsupported = new List<string>();
        foreach (var type in assembly.GetExportedTypes())
        {
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static))
            {
                var function = method.GetCustomAttribute<FunctionAttribute>();
                if (function is null)
                {
                    continue;
                }

                var trigger = method.GetParameters()
                    .Select(p => (Parameter: p, Attribute: p.GetCustomAttributes().FirstOrDefault(a => a.GetType().Name.EndsWith("TriggerAttribute", StringComparison.Ordinal))))
                    .FirstOrDefault(t => t.Attribute is not null);
                switch (trigger.Attribute)
                {
                    case HttpTriggerAttribute:
                        functions.Add(new FunctionDescriptor(function.Name, type, method, TriggerKind.Http, trigger.Attribute, trigger.Parameter));
                        break;
                    case TimerTriggerAttribute:
                        functions.Add(new FunctionDescriptor(function.Name, type, method, TriggerKind.Timer, trigger.Attribute, trigger.Parameter));
                        break;
                    case QueueTriggerAttribute:
                        functions.Add(new FunctionDescriptor(function.Name, type, method, TriggerKind.Queue, trigger.Attribute, trigger.Parameter));
                        break;
                    default:
                        unsupported.Add($"{function.Name} ({trigger.Attribute?.GetType().Name ?? "no trigger"})");
                        break;
                }
            }
        }

        if (unsupported.Count > 0)
        {
            throw new InvalidOperationException($"DevHost has no runner for these functions: {string.Join(", ", unsupported)}. Add one in DevHost/FunctionRunners.");
        }

        var duplicates = functions.GroupBy(f => f.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (duplicates.Count > 0)
        {
            throw new InvalidOperationException($"Duplicate function names: {string.Join(", ", duplicates)}.");
        }

        return functions;
    }
}
