using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Access;

/// <summary>Validates the ranges and lengths of <see cref="AccessOptions"/> at startup (source-generated from its DataAnnotations).</summary>
[OptionsValidator]
internal sealed partial class AccessOptionsValidator : IValidateOptions<AccessOptions>;
