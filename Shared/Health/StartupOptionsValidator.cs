using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Health;

/// <summary>Validates <see cref="StartupOptions"/> at startup (source-generated from the DataAnnotations).</summary>
[OptionsValidator]
internal sealed partial class StartupOptionsValidator : IValidateOptions<StartupOptions>;
