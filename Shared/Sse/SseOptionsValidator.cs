using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Sse;

/// <summary>Validates <see cref="SseOptions"/> at startup (source-generated from its DataAnnotations).</summary>
[OptionsValidator]
internal sealed partial class SseOptionsValidator : IValidateOptions<SseOptions>;
