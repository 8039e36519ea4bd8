namespace FunctionsDashboard.Diagnostics;

/// <summary>Every instance's <see cref="InstanceActivity"/>: this one's exact, the others' as last written.</summary>
/// <param name="Instances">This instance first, then the others active within <see cref="DiagnosticsActivity.ForgetAfter"/>.</param>
/// <param name="DurableUnavailable">Why the other instances' rows could not be read (null when they were).</param>
public sealed record ActivityView(IReadOnlyList<InstanceActivity> Instances, string? DurableUnavailable);
