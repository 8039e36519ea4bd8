using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Options;

/// <summary>Validates the ranges of <see cref="DashboardOptions"/> at startup (source-generated from its DataAnnotations).</summary>
[OptionsValidator]
internal sealed partial class DashboardOptionsValidator : IValidateOptions<DashboardOptions>;
