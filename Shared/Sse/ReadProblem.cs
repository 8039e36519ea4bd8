namespace FunctionsDashboard.Sse;

/// <summary>Why a read request is refused.</summary>
/// <param name="Status">400 or 403.</param>
/// <param name="Title">Short title.</param>
/// <param name="Detail">What is wrong, naming the value.</param>
public sealed record ReadProblem(int Status, string Title, string Detail);
