namespace FunctionsDashboard.Diagnostics;

/// <summary>The outcome of one self-check. Neither <see cref="Detail"/> nor <see cref="Hint"/> ever holds a secret.</summary>
/// <param name="Name">The check's stable name (<c>storage</c>, <c>signalr-key</c>, ...).</param>
/// <param name="Status">The verdict.</param>
/// <param name="Detail">What was found.</param>
/// <param name="Hint">What to do about it; null when there is nothing to do.</param>
public sealed record DiagnosticCheckResult(string Name, DiagnosticStatus Status, string Detail, string? Hint = null)
{
    /// <summary>An <see cref="DiagnosticStatus.Ok"/> result.</summary>
    public static DiagnosticCheckResult Ok(string name, string detail) => new(name, DiagnosticStatus.Ok, detail);

    /// <summary>A <see cref="DiagnosticStatus.Warn"/> result.</summary>
    public static DiagnosticCheckResult Warn(string name, string detail, string? hint) => new(name, DiagnosticStatus.Warn, detail, hint);

    /// <summary>A <see cref="DiagnosticStatus.Fail"/> result.</summary>
    public static DiagnosticCheckResult Fail(string name, string detail, string? hint) => new(name, DiagnosticStatus.Fail, detail, hint);
}
