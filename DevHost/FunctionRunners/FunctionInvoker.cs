using System.Reflection;

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
    public static Task<object?> InvokeAsync(FunctionDescriptor function, IServiceProvider services, Func<ParameterInfo, object?> bind) =>
        InvokeAsync(function, services, bind, static (parameter, bind) => bind(parameter));

    /// <summary>As <see cref="InvokeAsync(FunctionDescriptor, IServiceProvider, Func{ParameterInfo, object?})"/>, binding with <paramref name="state"/> (no closure per call).</summary>
    public static async Task<object?> InvokeAsync<TState>(FunctionDescriptor function, IServiceProvider services, TState state, Func<ParameterInfo, TState, object?> bind)
    {
        // The reflection is done once per function (constructor factory, parameters, invoker, Task<T>.Result getter):
        // per request it cost more than negotiate's own work (docs/benchmarks.md, negotiate).
        var compiled = Compiled.GetOrAdd(function, Compile);
        var instance = compiled.Factory?.Invoke(services, null);
        try
        {
            var parameters = compiled.Parameters;
            var arguments = new object?[parameters.Length];
            for (var i = 0; i < parameters.Length; i++)
            {
                arguments[i] = bind(parameters[i], state);
            }

            var returned = compiled.Invoker.Invoke(instance, arguments.AsSpan());
            if (returned is Task task)
            {
                await task;
                return compiled.Result?.Invoke(task, default(Span<object?>));
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

    // Keyed by reference: a descriptor is a record, and its value hash would hash the trigger attribute by reflection
    // (Attribute.GetHashCode) on every request (a tenth of negotiate's server time in a profile, docs/benchmarks.md).
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<FunctionDescriptor, CompiledFunction> Compiled = new(ReferenceEqualityComparer.Instance);

    private static CompiledFunction Compile(FunctionDescriptor function)
    {
        var method = function.Method;
        var returnType = method.ReturnType;
        var result = returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(Task<>)
            ? MethodInvoker.Create(returnType.GetProperty(nameof(Task<object>.Result))!.GetMethod!)
            : null;
        return new CompiledFunction(
            method.IsStatic ? null : ActivatorUtilities.CreateFactory(function.ClassType, Type.EmptyTypes),
            method.GetParameters(),
            MethodInvoker.Create(method),
            result);
    }

    private sealed record CompiledFunction(ObjectFactory? Factory, ParameterInfo[] Parameters, MethodInvoker Invoker, MethodInvoker? Result);
}
