using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Relay;

/// <summary>Validates the ranges of <see cref="RelayOptions"/> and its <see cref="RelayOptions.Delivery"/> at startup (source-generated from the DataAnnotations).</summary>
[OptionsValidator]
internal sealed partial class RelayOptionsValidator : IValidateOptions<RelayOptions>;
