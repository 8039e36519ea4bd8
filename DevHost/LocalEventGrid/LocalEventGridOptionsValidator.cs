using Microsoft.Extensions.Options;

namespace FunctionsDashboard.DevHost.LocalEventGrid;

/// <summary>Validates <see cref="LocalEventGridOptions"/> and its <see cref="LocalEventGridOptions.Faults"/> at startup (source-generated from the DataAnnotations).</summary>
[OptionsValidator]
internal sealed partial class LocalEventGridOptionsValidator : IValidateOptions<LocalEventGridOptions>;
