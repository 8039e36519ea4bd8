using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Connections;

/// <summary>Validates <see cref="ConnectionRegistryOptions"/> at startup (source-generated from its DataAnnotations).</summary>
[OptionsValidator]
internal sealed partial class ConnectionRegistryOptionsValidator : IValidateOptions<ConnectionRegistryOptions>;
