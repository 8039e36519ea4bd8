using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Diagnostics;

/// <summary>Validates <see cref="DiagnosticsOptions"/> at startup (source-generated from its DataAnnotations).</summary>
[OptionsValidator]
internal sealed partial class DiagnosticsOptionsValidator : IValidateOptions<DiagnosticsOptions>;
