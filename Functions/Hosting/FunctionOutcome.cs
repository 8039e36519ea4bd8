namespace FunctionsDashboard.Functions.Hosting;

/// <summary>What <see cref="FunctionErrors.RunAsync{TState}"/> leaves to the host: a result to answer with, or nothing.</summary>
/// <param name="IsAnswered">True when the host must not answer: a problem is already written, or nobody is there.</param>
/// <param name="Result">The result to answer with (null: the function wrote its own answer or has none).</param>
public readonly record struct FunctionOutcome(bool IsAnswered, object? Result)
{
    /// <summary>The answer is already written (a problem), or there is nobody to answer.</summary>
    public static FunctionOutcome Answered => new(true, null);
}
