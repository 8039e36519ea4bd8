using System.Reflection;
using Microsoft.AspNetCore.Http;

namespace FunctionsDashboard.DevHost.FunctionRunners;

/// <summary>
/// Calls a function method the way the worker does: a fresh instance of its class from the request's DI scope,
/// parameters bound by type (trigger input, <see cref="CancellationToken"/>) or by name (route values).
/// </summary>
internal static class FunctionInvoker
{
    /// <summary>Checks at startup that every parameter can be bound and the return type is understood.</summary>
    public static void Validate(FunctionDescriptor function, Func<ParameterInfo, bool> canBind)
    {
        var unbound = function.Method.GetParameters().Where(p => !canBind(p)).Select(p => $"{p.ParameterType.Name} {p.Name}").ToList();
        if (unbound.Count > 0)
        {
            throw new InvalidOperationException($"DevHost cannot bind parameter(s) {string.Join(", ", unbound)} of function {function.Name}.");
        }

        var returnType = function.Method.ReturnType;
        var resultType = returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(Task<>) ? returnType.GetGenericArguments()[0] : returnType;
        if (!typeof(IResult).IsAssignableFrom(resultType) && returnType != typeof(Task) && returnType != typeof(void))
        {
            throw new InvalidOperationException($"Function {function.Name} returns {returnType.Name}; DevHost runs functions that return IResult, Task<IResult> or Task.");
        }
    }

    /// <summary>Creates the instance, invokes the method, awaits it and returns its result (or null).</summary>
    public static async Task<object?> InvokeAsync(FunctionDescriptor function, IServiceProvider services, Func<ParameterInfo, object?> bind)
    {
        var instance = function.Method.IsStatic ? null : ActivatorUtilities.CreateInstance(services, function.ClassType);
        try
        {
            var arguments = function.Method.GetParameters().Select(bind).ToArray();
            var returned = function.Method.Invoke(instance, BindingFlags.DoNotWrapExceptions, binder: null, arguments, culture: null);
            if (returned is Task task)
            {
                await task;
                return task.GetType().IsGenericType ? task.GetType().GetProperty(nameof(Task<object>.Result))!.GetValue(task) : null;
            }

            return returned;
        }
        finally
        {
            switch (instance)
            {
                case IAsyncDisposable asyncDisposable:
                    await asyncDisposable.DisposeAsync();
                    break;
                case IDisposable disposable:
                    disposable.Dispose();
                    break;
            }
        }
    }
}
