namespace FunctionsDashboard.Diagnostics;

/// <summary>One contradiction between settings that each pass their own validation.</summary>
/// <param name="Status">How bad it is (<see cref="DiagnosticStatus.Warn"/> or <see cref="DiagnosticStatus.Fail"/>).</param>
/// <param name="Detail">Which settings contradict each other, with their values (never a secret's).</param>
/// <param name="Hint">What to change.</param>
public sealed record SettingsFinding(DiagnosticStatus Status, string Detail, string Hint);
